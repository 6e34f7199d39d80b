"""A feed's contract, as data: `feeds/<name>.toml` gives the format, the columns (type, required, checks, LGPD tags),
the keys, the expected arrival and the owner. Loaded into frozen dataclasses and checked once, at load."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from pororoca_core.errors import ConfigError

FEEDS_DIR = Path(__file__).resolve().parents[1]
FORMATS = ("csv", "jsonl", "parquet", "avro", "orc")
SIMPLE_TYPES = ("string", "int", "long", "double", "boolean", "date", "timestamp")
DECIMAL = re.compile(r"decimal\((\d+),\s*(\d+)\)$")
CHECKS = ("cpf", "cnpj")
NAME = re.compile(r"[a-z][a-z0-9_]*$")
# Every row of a feed's bronze table says where it came from.
LINEAGE = ("_source_file", "_file_checksum", "_row_number", "_ingested_at")
REJECT_COLUMNS = (*LINEAGE, "reason", "raw")
SILVER_LINEAGE = ("_source_file", "_file_checksum", "_ingested_at")
# In silver a direct identifier becomes its token (HMAC, normalised by kind: the same token as every other silver
# table, so feeds join the lake); names and addresses never enter silver; other personal data stays, classified.
IDENTIFIERS = {"CPF": "cpf", "CNPJ": "cnpj", "Email": "email", "Phone": "phone", "PixKey": "text",
               "AccountNumber": "text", "OnlineIdentifier": "text"}  # fmt: skip
NEVER_IN_SILVER = {"Name", "Address"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    tags: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    check: str | None = None

    @property
    def decimal(self) -> tuple[int, int] | None:
        """(precision, scale) of a decimal column."""
        m = DECIMAL.match(self.type)
        return (int(m.group(1)), int(m.group(2))) if m else None


@dataclass(frozen=True)
class CsvOptions:
    delimiter: str = ","
    encoding: str = "utf-8"
    decimal: str = "."
    thousands: str = ""
    date_format: str = "%Y-%m-%d"
    timestamp_format: str = "%Y-%m-%dT%H:%M:%S%z"


@dataclass(frozen=True)
class Arrival:
    schedule: str  # cron, in `timezone`: when a file is due
    deadline_after: str  # HH:MM after each scheduled time: no file by then is a missed deadline
    timezone: str = "America/Sao_Paulo"

    @property
    def grace(self) -> timedelta:
        hours, minutes = self.deadline_after.split(":")
        return timedelta(hours=int(hours), minutes=int(minutes))


@dataclass(frozen=True)
class Feed:
    name: str
    description: str
    owner: str
    partner: str
    format: str
    columns: tuple[Column, ...]
    keys: tuple[str, ...]
    arrival: Arrival
    csv: CsvOptions = field(default_factory=CsvOptions)

    @property
    def table(self) -> str:
        return f"bronze.feed_{self.name}"

    @property
    def rejects_table(self) -> str:
        return f"bronze.feed_{self.name}_rejects"

    @property
    def prefix(self) -> str:
        """Where the partner drops its files in the landing bucket."""
        return f"{self.name}/"

    @property
    def silver_table(self) -> str:
        return f"silver.feed_{self.name}"

    def silver_plan(self) -> list[tuple[str, str, str | None]]:
        """(bronze column, silver column, token kind or None) of every column that enters silver."""
        plan: list[tuple[str, str, str | None]] = []
        for c in self.columns:
            kinds = [IDENTIFIERS[t] for t in c.tags if t in IDENTIFIERS]
            if NEVER_IN_SILVER & set(c.tags):
                continue
            plan.append((c.name, f"{c.name}_token", kinds[0]) if kinds else (c.name, c.name, None))
        return plan

    def silver_keys(self) -> list[str]:
        names = {src: out for src, out, _ in self.silver_plan()}
        return [names[k] for k in self.keys]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def classified_columns(self) -> dict[str, tuple[str, ...]]:
        """LGPD tags of the bronze tables' columns, in the classification's `<namespace>.<table>.<column>` form.
        A rejected row's raw text holds whatever personal data the file holds: redacted as a whole."""
        tagged = {f"{self.table}.{c.name}": c.tags for c in self.columns if c.tags}
        if tagged:
            tagged[f"{self.rejects_table}.raw"] = ("PersonalData", "RawRecord")
        for src, out, kind in self.silver_plan():
            tags = self.column(src).tags
            if kind:
                tagged[f"{self.silver_table}.{out}"] = ("PersonalData", "Pseudonymised")
            elif tags:
                tagged[f"{self.silver_table}.{out}"] = tags
        return tagged

    def unbounded_columns(self) -> dict[str, tuple[str, ...]]:
        """Per table, the personal columns whose values must not become a data file's lower and upper bounds (a
        one-row file's bounds are its subject's CPF): created with their statistics off."""
        out: dict[str, tuple[str, ...]] = {}
        for column, tags in self.classified_columns().items():
            if "PersonalData" in tags:
                table, name = column.rsplit(".", 1)
                out[table] = (*out.get(table, ()), name)
        return out

    def reviewed_columns(self) -> dict[str, tuple[str, ...]]:
        """The columns the contract declares free of personal data (the contract is their review), per table."""
        plain = tuple(c.name for c in self.columns if not c.tags)
        rejects = tuple(c for c in REJECT_COLUMNS if f"{self.rejects_table}.{c}" not in self.classified_columns())
        silver = tuple(out for src, out, kind in self.silver_plan() if not kind and not self.column(src).tags)
        return {
            self.table: (*plain, *LINEAGE),
            self.rejects_table: rejects,
            self.silver_table: (*silver, *SILVER_LINEAGE),
        }


def parse_feed(name: str, doc: dict) -> Feed:
    """The contract of `name` from its TOML document; every mistake is named with where it is."""
    where = f"feeds/{name}.toml"
    if not NAME.match(name):
        raise ConfigError(f"{where}: a feed's name is lower-case letters, digits and '_' (it names tables)")
    fmt = doc.get("format")
    if fmt not in FORMATS:
        raise ConfigError(f"{where}: format {fmt!r} is not one of {', '.join(FORMATS)}")
    columns = tuple(_column(where, c) for c in doc.get("columns", []))
    if not columns:
        raise ConfigError(f"{where}: no [[columns]]")
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        raise ConfigError(f"{where}: a column is declared twice ({', '.join(sorted(names))})")
    keys = tuple(doc.get("keys", ()))
    for key in keys:
        if key not in names or not next(c for c in columns if c.name == key).required:
            raise ConfigError(f"{where}: key {key!r} must be a declared, required column")
    missing = [k for k in ("description", "owner", "partner", "arrival") if k not in doc]
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)}")
    try:
        arrival = Arrival(**doc["arrival"])
        csv = CsvOptions(**doc.get("csv", {}))
    except TypeError as e:
        raise ConfigError(f"{where}: {e}") from None
    if not re.fullmatch(r"\d\d:[0-5]\d", arrival.deadline_after):
        raise ConfigError(
            f"{where}: arrival.deadline_after is HH:MM after the scheduled time, not {arrival.deadline_after!r}"
        )
    from croniter import croniter

    if not croniter.is_valid(arrival.schedule):
        raise ConfigError(f"{where}: arrival.schedule {arrival.schedule!r} is not a cron expression")
    if fmt != "csv" and "csv" in doc:
        raise ConfigError(f"{where}: [csv] options on a {fmt} feed")
    return Feed(name, doc["description"], doc["owner"], doc["partner"], fmt, columns, keys, arrival, csv)


def _column(where: str, doc: dict) -> Column:
    try:
        fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in doc.items()}
        col = Column(**fields)
    except TypeError as e:
        raise ConfigError(f"{where}: column {doc.get('name')!r}: {e}") from None
    if not NAME.match(col.name):
        raise ConfigError(f"{where}: column name {col.name!r} is lower-case letters, digits and '_'")
    if col.type not in SIMPLE_TYPES and not col.decimal:
        raise ConfigError(f"{where}: column {col.name}: type {col.type!r} is not one of {SIMPLE_TYPES} or decimal(p,s)")
    if col.check is not None and col.check not in CHECKS:
        raise ConfigError(f"{where}: column {col.name}: check {col.check!r} is not one of {CHECKS}")
    return col


def load_feeds(directory: Path = FEEDS_DIR) -> dict[str, Feed]:
    """Every feed declared in `directory` (`<name>.toml`), by name."""
    feeds = {}
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as f:
            feeds[path.stem] = parse_feed(path.stem, tomllib.load(f))
    return feeds


def load_feed(name: str, directory: Path = FEEDS_DIR) -> Feed:
    feeds = load_feeds(directory)
    if name not in feeds:
        raise ConfigError(f"no feed {name!r}; declared: {', '.join(feeds) or 'none'} (in {directory})")
    return feeds[name]
