"""Where a data subject's rows are (pure): the ownership graph of `lgpd/subjects.toml` over silver's entities,
resolved one entity at a time into SQL predicates on every table that holds the entity."""

from __future__ import annotations

import re
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pororoca_core.errors import UsageError
from pororoca_core.ids import is_valid_cpf
from pororoca_feeds import load_feeds
from pororoca_governance.classification import LGPD_DIR
from pororoca_spark import silver_tables

SUBJECTS_PATH = LGPD_DIR / "subjects.toml"


class SubjectError(UsageError):
    pass


@dataclass(frozen=True)
class Owner:
    column: str
    of: str
    of_column: str


@dataclass(frozen=True)
class Entity:
    name: str
    tables: tuple[str, ...]  # bronze change log first, then silver, silver_pii, gold
    owners: tuple[Owner, ...]


@dataclass(frozen=True)
class SubjectModel:
    root: str
    root_key: str
    entities: dict[str, Entity]  # in resolution order: every entity after those it is owned through

    def needed_columns(self, entity: str) -> set[str]:
        """Columns of `entity` whose values other entities' ownership reads."""
        cols = {self.root_key} if entity == self.root else set()
        for e in self.entities.values():
            cols |= {o.of_column for o in e.owners if o.of == entity}
        return cols


def _silver_tables() -> dict[str, list[str]]:
    """entity -> [bronze source, silver table(s)...] from silver.toml."""
    out: dict[str, list[str]] = {}
    for t in silver_tables():
        entity = t.name.split(".", 1)[1]
        out.setdefault(entity, [t.source]).append(t.name)
    return out


def load(path: Path = SUBJECTS_PATH) -> SubjectModel:
    data = tomllib.loads(path.read_text())
    silver = _silver_tables()
    specs = {data["root"]: {"owner": []}} | data["entities"]
    entities: dict[str, Entity] = {}
    for name, spec in specs.items():
        if name not in silver:
            raise SubjectError(f"{path.name}: entity {name!r} is not a silver table in silver.toml")
        owners = tuple(Owner(o["column"], o["of"], o.get("of_column", o["column"])) for o in spec["owner"])
        entities[name] = Entity(name, tuple(silver[name]), owners)
    for table, spec in data.get("gold", {}).items():
        owners = tuple(Owner(o["column"], o["of"], o.get("of_column", o["column"])) for o in spec["owner"])
        entities[table] = Entity(table, (table,), owners)
    feeds = load_feeds()
    for name, spec in data.get("feeds", {}).items():
        if name not in feeds:
            raise SubjectError(f"{path.name}: feeds.{name} is not a feed of feeds/*.toml")
        owners = tuple(Owner(o["column"], o["of"], o.get("of_column", o["column"])) for o in spec["owner"])
        feed = feeds[name]
        # A rejected row's raw text is redacted for every masked role but not matched here: see the README.
        entities[f"feed.{name}"] = Entity(f"feed.{name}", (feed.table, feed.silver_table), owners)
    return SubjectModel(data["root"], data["root_key"], _ordered(entities, data["root"]))


def _ordered(entities: dict[str, Entity], root: str) -> dict[str, Entity]:
    done: dict[str, Entity] = {root: entities[root]}
    pending = [e for e in entities if e != root]
    while pending:
        ready = [e for e in pending if all(o.of in done for o in entities[e].owners)]
        if not ready:
            raise SubjectError(f"ownership cycle or unknown owner among {pending}")
        for e in ready:
            done[e] = entities[e]
            pending.remove(e)
    return done


def literal(value: object) -> str:
    if isinstance(value, bool) or value is None:
        raise SubjectError(f"cannot match on {value!r}")
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def in_list(column: str, values: set) -> str:
    if not values:
        return "FALSE"
    items = ", ".join(literal(v) for v in sorted(values, key=str))
    if any(isinstance(v, uuid.UUID) for v in values):
        # A uuid column (bronze) or its text (silver): Trino compares neither with text literals as they are.
        return f'CAST("{column}" AS varchar) IN ({items})'
    return f'"{column}" IN ({items})'


Tokeniser = Callable[[str, str], str]  # (value, kind) -> silver's token


def predicate(
    model: SubjectModel,
    entity: Entity,
    found: dict[str, dict[str, set]],
    columns: set[str],
    token_kinds: dict[str, str] | None = None,
    tokenise: Tokeniser | None = None,
) -> str:
    """Rows of one of `entity`'s tables owned by the subject, given the values already found for its owners
    and the table's columns. Where silver replaced an owner column by its token, the values are tokenised."""
    token_kinds = token_kinds or {}
    owners = entity.owners or (Owner(model.root_key, model.root, model.root_key),)
    parts = []
    for o in owners:
        values = found.get(o.of, {}).get(o.of_column, set())
        if o.column in columns:
            parts.append(in_list(o.column, values))
        elif f"{o.column}_token" in columns and o.column in token_kinds and tokenise:
            parts.append(in_list(f"{o.column}_token", {tokenise(str(v), token_kinds[o.column]) for v in values}))
    return " OR ".join(p for p in parts if p != "FALSE") or "FALSE"


def token_kinds() -> dict[str, dict[str, str]]:
    """silver table -> tokenised column -> kind (silver.toml, and the feeds' silver tables)."""
    kinds = {t.name: dict(t.tokenise) for t in silver_tables()}
    for feed in load_feeds().values():
        kinds[feed.silver_table] = {src: kind for src, _, kind in feed.silver_plan() if kind}
    return kinds


_CPF = re.compile(r"^\d{3}\.?\d{3}\.?\d{3}-?\d{2}$")


def parse_cpf(text: str) -> str:
    """The 11 digits of a CPF, or a clear error (wrong shape or check digits)."""

    text = text.strip()
    if not _CPF.match(text):
        raise SubjectError(f"malformed CPF {text!r}: expected 11 digits, e.g. 123.456.789-09 or 12345678909")
    digits = re.sub(r"\D", "", text)
    if not is_valid_cpf(digits):
        raise SubjectError(f"invalid CPF {text!r}: its check digits do not match (typo?)")
    return digits


def masked_cpf(digits: str) -> str:
    return f"***.***.***-{digits[-2:]}"
