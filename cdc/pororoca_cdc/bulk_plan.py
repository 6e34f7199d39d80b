"""The initial bulk snapshot as data (pure: no database, no catalog here).

A bulk snapshot reads every captured table straight from its source, inside one consistent snapshot whose place
in the source log is known, and appends the rows to bronze as `r` (read) changes, as Debezium's own snapshot
would, only without the trip through Kafka. Each bronze value must be exactly what the sink would have written
for the same row, so a column is read only in a representation whose conversion is known here; any other type
makes the whole source fall back to Debezium's snapshot (`unsupported`).

The rows take a log position strictly between every change before the snapshot and every change after it, so
curation (newest position wins, `spark_apps/pororoca_spark/merge_sql.py`) neither loses a change committed during
the snapshot nor lets the snapshot overwrite one:
- PostgreSQL: the WAL insert position read just before the replication slot is created, minus one. Every change
  streamed from that slot was written after it; every earlier change record starts at least a record's size
  before it (WAL records are longer than one byte).
- MariaDB: the binlog position of the consistent snapshot minus one, in its file. A transaction committed after
  the snapshot is written to the binlog from that position on; every earlier event starts before it.
They are not Kafka records: `_kafka_partition` is -1 and `_kafka_offset` numbers them 0..n-1, so the pair stays
a row's identity in bronze and curation's offset watermark reads them like a partition of their own.
"""

from __future__ import annotations

import base64
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import orjson
import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.types import (
    BinaryType,
    DateType,
    DecimalType,
    IcebergType,
    StringType,
    TimestamptzType,
    UUIDType,
)

from pororoca_catalog import Dialect, SourceColumn, cdc_columns, iceberg_type

BULK_PARTITION = -1  # `_kafka_partition` of rows that never were Kafka records
SNAPSHOT_OP = "r"

# Source types whose text form is what Debezium sends for a string column (pgoutput sends every value as text).
_PG_TEXT = frozenset({"text", "character varying", "character", "inet", "cidr", "macaddr", "json", "jsonb"})
_MARIADB_TEXT = frozenset({"varchar", "char", "text", "tinytext", "mediumtext", "longtext", "enum", "json"})

# MariaDB prints FLOAT with fewer digits than a float holds (Debezium reads the binlog's binary value).
_MARIADB_INEXACT = frozenset({"float", "double", "real"})

Reader = Literal["value", "epoch_micros", "epoch_days", "uuid_text", "hex_bytes", "null"]


@dataclass(frozen=True)
class ColumnRead:
    """How one bronze row column is read from the source and turned into its bronze value."""

    name: str
    type: IcebergType
    reader: Reader
    source_type: str = ""


@dataclass(frozen=True)
class Position:
    """The bulk rows' place in the source log (see the module's docstring)."""

    lsn: int | None = None  # PostgreSQL: WAL insert position before the slot, minus one
    file: str | None = None  # MariaDB: binlog file of the consistent snapshot
    pos: int | None = None  # MariaDB: its position minus one

    @classmethod
    def postgres(cls, wal_insert_lsn: int) -> Position:
        return cls(lsn=wal_insert_lsn - 1)

    @classmethod
    def mariadb(cls, binlog_file: str, binlog_position: int) -> Position:
        return cls(file=binlog_file, pos=binlog_position - 1)


def pg_lsn(text: str) -> int:
    """'0/C7F6FF0' -> the LSN as Debezium writes it (bytes since the start of the WAL)."""
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def unsupported(dialect: Dialect, column: SourceColumn) -> str | None:
    """Why a source column cannot be bulk-read exactly as the sink would store it, or None."""
    t = iceberg_type(dialect, column)
    if dialect == "mariadb" and column.data_type in _MARIADB_INEXACT:
        return f"{column.name} ({column.data_type})"
    if isinstance(t, StringType):
        text = _PG_TEXT if dialect == "postgres" else _MARIADB_TEXT
        if column.data_type not in text:
            return f"{column.name} ({column.data_type})"
    return None


def column_reads(
    dialect: Dialect, bronze_columns: list[tuple[str, IcebergType]], source: list[SourceColumn]
) -> list[ColumnRead]:
    """The row columns of a bronze table (its schema, capture columns left out), each as read from the source.
    A bronze column the source no longer has is NULL, as the sink writes it for a missing field."""
    capture = set(cdc_columns(dialect))
    by_name = {c.name: c for c in source}
    reads = []
    for name, type_ in bronze_columns:
        if name in capture:
            continue
        col = by_name.get(name)
        if col is None:
            reads.append(ColumnRead(name, type_, "null"))
            continue
        reader: Reader = "value"
        if dialect == "postgres":
            if isinstance(type_, TimestamptzType) or col.data_type == "timestamp without time zone":
                reader = "epoch_micros"
            elif isinstance(type_, DateType):
                reader = "epoch_days"
            elif isinstance(type_, UUIDType):
                reader = "uuid_text"
            elif isinstance(type_, BinaryType):
                reader = "hex_bytes"
        reads.append(ColumnRead(name, type_, reader, col.data_type))
    return reads


def _pg_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_expr(c: ColumnRead) -> str:
    col = _pg_ident(c.name)
    if c.reader == "null":
        return f"NULL AS {col}"
    if c.reader == "epoch_micros":
        return f"(extract(epoch FROM {col}) * 1000000)::bigint AS {col}"
    if c.reader == "epoch_days":
        return f"({col} - DATE '1970-01-01') AS {col}"
    if c.reader == "hex_bytes":
        return f"encode({col}, 'hex') AS {col}"
    return col  # COPY writes each type's own text form: char(n) keeps its padding, as pgoutput sends it


def postgres_copy_sql(schema: str, table: str, reads: list[ColumnRead]) -> str:
    return (
        f"COPY (SELECT {', '.join(_pg_expr(c) for c in reads)} FROM {_pg_ident(schema)}.{_pg_ident(table)}) "
        "TO STDOUT (FORMAT csv)"
    )


def mariadb_select_sql(table: str, reads: list[ColumnRead]) -> str:
    def expr(c: ColumnRead) -> str:
        col = "`" + c.name.replace("`", "``") + "`"
        return f"NULL AS {col}" if c.reader == "null" else col

    return f"SELECT {', '.join(expr(c) for c in reads)} FROM `{table.replace('`', '``')}`"


def capture_values(dialect: Dialect, position: Position, bronze_table: str) -> dict[str, object]:
    """The capture columns every bulk row of a table shares (the offsets and times are added per row/batch)."""
    common: dict[str, object] = {"_op": SNAPSHOT_OP, "_kafka_partition": BULK_PARTITION, "_bronze_table": bronze_table}
    if dialect == "postgres":
        return {**common, "_source_lsn": position.lsn, "_source_tx_id": None}
    return {
        **common,
        "_source_file": position.file,
        "_source_pos": position.pos,
        "_source_row": 0,
        "_source_gtid": None,
    }


# ---- tables whose snapshot goes through their change topics (cdc/initial_snapshot.toml) -----------------------

THROUGH_TOPICS_TOML = Path(__file__).resolve().parent.parent / "initial_snapshot.toml"
# Connect's schema types of a key column, as Debezium declares them (the key converter embeds the key's schema).
_KEY_TYPES = {"smallint": "int16", "integer": "int32", "bigint": "int64", "text": "string",
              "character varying": "string", "character": "string"}  # fmt: skip
EPOCH = date(1970, 1, 1)


def through_topics(prefix: str, path: Path = THROUGH_TOPICS_TOML) -> frozenset[str]:
    """The tables of the source with this topic prefix whose snapshot rows are published on their topics."""
    with path.open("rb") as f:
        return frozenset(tomllib.load(f).get("through_topics", {}).get(prefix, ()))


def key_unsupported(key: list[SourceColumn]) -> str | None:
    if not key:
        return "no primary key"
    odd = [f"{c.name} ({c.data_type})" for c in key if c.data_type not in _KEY_TYPES]
    return f"key column(s) {', '.join(odd)}" if odd else None


def _key_schema(topic: str, key: list[SourceColumn]) -> bytes:
    fields = [{"type": _KEY_TYPES[c.data_type], "optional": False, "field": c.name} for c in key]
    return orjson.dumps({"type": "struct", "fields": fields, "optional": False, "name": f"{topic}.Key"})


def debezium_key(topic: str, key: list[SourceColumn], values: list[Any]) -> bytes:
    """A row's key as Debezium's JSON key converter writes it: the key's schema, then its values."""
    payload = orjson.dumps({c.name: v for c, v in zip(key, values, strict=True)})
    return b'{"schema":' + _key_schema(topic, key) + b',"payload":' + payload + b"}"


def envelope_column(type_: IcebergType, column: pa.Array) -> list[Any]:
    """A column of bronze values in the form Debezium's JSON carries them (cdc/README.md, Types), converted as a
    whole where Arrow can (timestamps, dates): one Python step per value is what publishing costs."""
    if isinstance(type_, TimestamptzType):  # ISO-8601 in UTC with microseconds, as Debezium's ZonedTimestamp
        return pc.strftime(column, format="%Y-%m-%dT%H:%M:%SZ").to_pylist()
    if isinstance(type_, DateType):
        return column.cast(pa.int32()).to_pylist()
    if isinstance(type_, DecimalType):  # the exact digits, as a JSON number
        return [None if v is None else orjson.Fragment(v) for v in column.cast(pa.string()).to_pylist()]
    if isinstance(type_, UUIDType):
        return [None if v is None else str(v) for v in column.to_pylist()]
    if isinstance(type_, BinaryType):
        return [None if v is None else base64.b64encode(v).decode() for v in column.to_pylist()]
    return column.to_pylist()


def envelopes(topic: str, key: list[SourceColumn], columns: dict[str, tuple[IcebergType, pa.Array]],
              source: dict[str, Any], ts_us: int) -> Iterator[tuple[bytes, bytes]]:  # fmt: skip
    """(key, value) of each row as Debezium publishes a snapshot read: its JSON key with the key's schema, and the
    envelope without embedded schema (the sources' value converter)."""
    names = list(columns)
    converted = [envelope_column(t, a) for t, a in columns.values()]
    keys = [columns[c.name][1].to_pylist() for c in key]
    head = b'{"before":null,"after":'
    tail = (b',"source":' + orjson.dumps(source) + b',"transaction":null,"op":"' + SNAPSHOT_OP.encode()
            + f'","ts_ms":{ts_us // 1000},"ts_us":{ts_us},"ts_ns":{ts_us * 1000}}}'.encode())  # fmt: skip
    key_head = b'{"schema":' + _key_schema(topic, key) + b',"payload":'
    key_names = [c.name for c in key]
    for row, key_values in zip(zip(*converted, strict=True), zip(*keys, strict=True), strict=True):
        value = head + orjson.dumps(dict(zip(names, row, strict=True))) + tail
        yield key_head + orjson.dumps(dict(zip(key_names, key_values, strict=True))) + b"}", value


def postgres_source(prefix: str, db: str, schema: str, table: str, position: Position, ts_us: int) -> dict[str, Any]:
    """The envelope's `source` block for a row of the bulk snapshot (`version` says who wrote it)."""
    return {"version": "pororoca-bulk-snapshot", "connector": "postgresql", "name": prefix, "ts_ms": ts_us // 1000,
            "snapshot": "true", "db": db, "sequence": None, "ts_us": ts_us, "ts_ns": ts_us * 1000, "schema": schema,
            "table": table, "txId": None, "lsn": position.lsn, "xmin": None}  # fmt: skip
