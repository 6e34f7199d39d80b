"""The silver tables as data (`spark_apps/silver.toml`), parsed into typed, validated entries."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pororoca_core.errors import ConfigError

SILVER_TOML = Path(__file__).resolve().parent.parent / "silver.toml"
NORMALISERS = ("cpf", "cnpj", "email", "phone", "text")
POSITIONS = ("lsn", "binlog")
# Columns the Iceberg sink adds to every bronze row (see cdc/README.md); none of them reaches silver as is.
CAPTURE_COLUMNS = frozenset(
    {
        "_op",
        "_source_ts",
        "_captured_at",
        "_kafka_partition",
        "_kafka_offset",
        "_bronze_table",
        "_source_lsn",
        "_source_tx_id",
        "_source_file",
        "_source_pos",
        "_source_row",
        "_source_gtid",
    }
)


@dataclass(frozen=True)
class SilverTable:
    name: str  # namespace.table
    source: str  # the bronze change log
    key: tuple[str, ...]
    position: str
    tokenise: dict[str, str] = field(default_factory=dict)  # column -> normaliser kind
    drop: tuple[str, ...] = ()
    keep: tuple[str, ...] | None = None  # None: every source column not dropped
    partition: str | None = None
    sort: tuple[str, ...] = ()

    @property
    def namespace(self) -> str:
        return self.name.split(".")[0]

    def output_columns(self, source_columns: list[str]) -> list[tuple[str, str]]:
        """(output name, source column) in source order: the key first, capture columns left out, a
        tokenised column replaced by `<column>_token` (kept too only when listed in `keep`)."""
        data = [c for c in source_columns if c not in CAPTURE_COLUMNS]
        missing = [c for c in (*self.key, *self.tokenise, *(self.keep or ())) if c not in data]
        if missing:
            raise ConfigError(f"{self.name}: {self.source} has no column(s) {', '.join(missing)}")
        out: list[tuple[str, str]] = [(k, k) for k in self.key]
        for c in data:
            if (
                c in self.key
                or c in self.drop
                or (self.keep is not None and c not in self.keep and c not in self.tokenise)
            ):
                continue
            if c in self.tokenise:
                if self.keep is not None and c in self.keep:
                    out.append((c, c))
                out.append((f"{c}_token", c))
            else:
                out.append((c, c))
        return out


def parse(data: dict) -> list[SilverTable]:
    tables = []
    for t in data["tables"]:
        unknown = set(t) - {"name", "source", "key", "position", "tokenise", "drop", "keep", "partition", "sort"}
        if unknown:
            raise ConfigError(f"{t.get('name')}: unknown setting(s) {', '.join(sorted(unknown))}")
        table = SilverTable(
            name=t["name"],
            source=t["source"],
            key=tuple(t["key"]),
            position=t["position"],
            tokenise=dict(t.get("tokenise", {})),
            drop=tuple(t.get("drop", ())),
            keep=tuple(t["keep"]) if "keep" in t else None,
            partition=t.get("partition"),
            sort=tuple(t.get("sort", ())),
        )
        if table.position not in POSITIONS:
            raise ConfigError(f"{table.name}: position must be one of {POSITIONS}, not {table.position!r}")
        bad = {c: k for c, k in table.tokenise.items() if k not in NORMALISERS}
        if bad:
            raise ConfigError(f"{table.name}: unknown normaliser(s) {bad}; use one of {NORMALISERS}")
        if table.namespace not in ("silver", "silver_pii") or not table.source.startswith("bronze."):
            raise ConfigError(f"{table.name}: silver tables live in silver or silver_pii and read bronze")
        tables.append(table)
    names = [t.name for t in tables]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ConfigError(f"silver table(s) defined twice: {', '.join(sorted(dupes))}")
    return tables


def load(path: Path = SILVER_TOML) -> list[SilverTable]:
    with path.open("rb") as f:
        return parse(tomllib.load(f))
