"""The LGPD classification (tags, classified columns, subject-level tables) and the access policy, as data."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pororoca_core.errors import ConfigError
from pororoca_feeds import governance_columns

LGPD_DIR = Path(__file__).resolve().parent.parent / "lgpd"
CLASSIFICATION_PATH = LGPD_DIR / "classification.toml"
ACCESS_PATH = LGPD_DIR / "access.toml"
REVIEWED_PATH = LGPD_DIR / "reviewed.toml"


class ClassificationError(ConfigError):
    pass


@dataclass(frozen=True)
class Tag:
    name: str
    description: str
    mask: str | None = None


@dataclass(frozen=True)
class Classification:
    tags: dict[str, Tag]
    columns: dict[str, tuple[str, ...]]  # "<namespace>.<table>.<column>" -> tag names
    subject_level: frozenset[str]  # "<namespace>.<table>"

    def masked_columns(self, only: tuple[str, ...] = ()) -> dict[str, dict[str, str]]:
        """table -> column -> mask name, for every column with a masking tag (the first one wins); with `only`,
        for the columns carrying one of those tags."""
        out: dict[str, dict[str, str]] = {}
        for qualified, tags in sorted(self.columns.items()):
            if only and not set(tags) & set(only):
                continue
            masks = [self.tags[t].mask for t in tags if self.tags[t].mask]
            if masks:
                table, column = qualified.rsplit(".", 1)
                out.setdefault(table, {})[column] = masks[0]  # type: ignore[assignment]
        return out

    def with_tags(self, extra: dict[str, tuple[str, ...]]) -> Classification:
        """Tags decided elsewhere (a steward in the catalog) replace this file's for the same column."""
        merged = dict(self.columns) | extra
        _check_columns(merged, self.tags)
        return Classification(self.tags, merged, self.subject_level)


@dataclass(frozen=True)
class Reviewed:
    """Safe by default: in `namespaces` (whose tables follow the sources' schemas), a column is masked for the
    masked roles until it is classified or listed here as reviewed and not personal."""

    namespaces: tuple[str, ...]
    every_table: dict[str, tuple[str, ...]]  # namespace -> columns every table there has (capture columns)
    tables: dict[str, tuple[str, ...]]  # "<namespace>.<table>" -> reviewed columns

    def known(self, column: str, classification: Classification) -> bool:
        """Classified or reviewed; True outside the watched namespaces (their schemas are this repo's code)."""
        table, name = column.rsplit(".", 1)
        namespace = table.split(".", 1)[0]
        return (
            namespace not in self.namespaces
            or column in classification.columns
            or name in self.every_table.get(namespace, ())
            or name in self.tables.get(table, ())
        )

    def accept(self, columns: list[str]) -> Reviewed:
        tables = {t: set(cs) for t, cs in self.tables.items()}
        for column in columns:
            table, name = column.rsplit(".", 1)
            tables.setdefault(table, set()).add(name)
        return Reviewed(self.namespaces, self.every_table, {t: tuple(sorted(cs)) for t, cs in sorted(tables.items())})


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    users: tuple[str, ...]
    read: tuple[str, ...] = ()
    write: tuple[str, ...] = ()
    masked: bool = True
    masked_tags: tuple[str, ...] = ()  # with masked = false: still mask the columns carrying these tags
    superuser: bool = False
    subject_level: bool = False
    ddl: bool = False
    audit: str | None = None  # "read" | "insert"
    view_all_queries: bool = False
    retention: bool = False


@dataclass(frozen=True)
class AccessPolicy:
    catalog: str
    restricted: tuple[str, ...]
    retention_session_properties: tuple[str, ...]
    roles: dict[str, Role]
    masks: dict[str, str] = field(default_factory=dict)

    def users(self) -> dict[str, str]:
        """user -> role."""
        return {u: r.name for r in self.roles.values() for u in r.users}


def _check_columns(columns: dict[str, tuple[str, ...]], tags: dict[str, Tag]) -> None:
    for qualified, names in columns.items():
        if qualified.count(".") != 2:
            raise ClassificationError(f"column {qualified!r}: expected <namespace>.<table>.<column>")
        unknown = [t for t in names if t not in tags]
        if unknown:
            raise ClassificationError(f"column {qualified!r}: unknown tag(s) {unknown}; known: {sorted(tags)}")


def load_classification(path: Path = CLASSIFICATION_PATH) -> Classification:
    data = tomllib.loads(path.read_text())
    tags = {
        name: Tag(name=name, description=t["description"], mask=t.get("mask"))
        for name, t in data.get("tags", {}).items()
    }
    columns = {k: tuple(v) for k, v in data.get("columns", {}).items()}
    if path == CLASSIFICATION_PATH:
        columns |= governance_columns()[0]  # feed contracts tag their own columns
    _check_columns(columns, tags)
    subject_level = frozenset(t for t, spec in data.get("tables", {}).items() if spec.get("subject_level"))
    return Classification(tags=tags, columns=columns, subject_level=subject_level)


def reviewed_with_feeds(reviewed: Reviewed) -> Reviewed:
    """The steward's list plus the columns feed contracts declare free of personal data (their review)."""
    return dataclasses.replace(reviewed, tables=reviewed.tables | governance_columns()[1])


def load_reviewed(path: Path = REVIEWED_PATH) -> Reviewed:
    data = tomllib.loads(path.read_text())
    tables = {k: tuple(v) for k, v in data.get("tables", {}).items()}
    bad = [t for t in tables if t.count(".") != 1]
    if bad:
        raise ClassificationError(f"{path.name}: expected <namespace>.<table> keys, got {bad}")
    return Reviewed(
        namespaces=tuple(data["namespaces"]),
        every_table={k: tuple(v) for k, v in data.get("every_table", {}).items()},
        tables=tables,
    )


def load_access(path: Path = ACCESS_PATH) -> AccessPolicy:
    data = tomllib.loads(path.read_text())
    roles = {
        name: Role(name=name, users=tuple(r.pop("users")), description=r.pop("description"),
                   read=tuple(r.pop("read", ())), write=tuple(r.pop("write", ())),
                   masked_tags=tuple(r.pop("masked_tags", ())), **r)
        for name, r in data["roles"].items()
    }  # fmt: skip
    policy = AccessPolicy(
        catalog=data["catalog"],
        restricted=tuple(data["restricted"]),
        retention_session_properties=tuple(data["retention_session_properties"]),
        roles=roles,
        masks=dict(data["masks"]),
    )
    seen: dict[str, str] = {}
    for role in roles.values():
        for user in role.users:
            if user in seen:
                raise ClassificationError(f"user {user!r} is in roles {seen[user]!r} and {role.name!r}: one role each")
            seen[user] = role.name
    return policy


def check_masks(classification: Classification, policy: AccessPolicy) -> None:
    unknown = {t for r in policy.roles.values() for t in r.masked_tags if t not in classification.tags}
    if unknown:
        raise ClassificationError(f"access.toml masks tags {sorted(unknown)} that classification.toml does not define")
    missing = {t.mask for t in classification.tags.values() if t.mask and t.mask not in policy.masks}
    if missing:
        raise ClassificationError(f"tags use masks {sorted(missing)} that access.toml does not define")
