"""Bronze contracts: one append-only change-log table per captured source table.

A bronze row is a Debezium change event flattened by the sink's transforms: the row image (the new row;
for a delete, the old row) followed by the capture metadata below. The columns are declared here, the
row columns come from the source table's own definition, and every table is partitioned by the day the
change was committed at the source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import DayTransform
from pyiceberg.types import IcebergType, IntegerType, LongType, NestedField, StringType, TimestamptzType

from pororoca_catalog.types import Dialect, SourceColumn, iceberg_type

NAMESPACE = "bronze"
PARTITION_NAME = "_source_day"

# name, type, description. Names match the sink connectors' `add.fields` and InsertField settings. Debezium
# sends both times as epoch milliseconds; the sink converts them into the declared timestamptz.
_COMMON: list[tuple[str, IcebergType, str]] = [
    ("_op", StringType(), "c insert, u update, d delete (row image is the old row), r initial snapshot read"),
    ("_source_ts", TimestamptzType(), "when the change was committed in the source database (UTC)"),
    ("_captured_at", TimestamptzType(), "when Debezium captured the change (UTC)"),
    ("_kafka_partition", IntegerType(), "Kafka partition of the change topic (table property pororoca.source-topic)"),
    ("_kafka_offset", LongType(), "Kafka offset of the change: a total order of changes per source table"),
    ("_bronze_table", StringType(), "the bronze table the sink routed the event to"),
]
_POSITION: dict[Dialect, list[tuple[str, IcebergType, str]]] = {
    "postgres": [
        ("_source_lsn", LongType(), "WAL position (LSN) of the change: orders changes of one table"),
        ("_source_tx_id", LongType(), "PostgreSQL transaction id: rows of one source transaction share it"),
    ],
    "mariadb": [
        ("_source_file", StringType(), "binlog file of the change"),
        ("_source_pos", LongType(), "binlog position of the change's event in that file"),
        ("_source_row", IntegerType(), "row number within that binlog event"),
        ("_source_gtid", StringType(), "GTID of the source transaction: rows of one transaction share it"),
    ],
}

PROPERTIES: dict[str, str] = {
    "write.format.default": "parquet",
    "write.parquet.compression-codec": "zstd",
    "write.metadata.delete-after-commit.enabled": "true",
    "write.metadata.previous-versions-max": "20",
    # The streaming sink and the nightly maintenance commit to the same tables: retry, do not fail.
    "commit.retry.num-retries": "10",
    "commit.retry.min-wait-ms": "250",
    "pororoca.layer": NAMESPACE,
}


@dataclass(frozen=True)
class CapturedSource:
    """A source database as a Debezium connector captures it (derived from the connector definition)."""

    prefix: str  # Debezium topic.prefix: core, acquiring
    dialect: Dialect
    schema: str  # PostgreSQL schema or MariaDB database holding the tables
    excluded: frozenset[str]  # tables the connector does not capture

    def topic(self, table: str) -> str:
        return f"{self.prefix}.{self.schema}.{table}"

    def bronze_table(self, table: str) -> str:
        return f"{NAMESPACE}.{self.prefix}_{table}"


def partitioning(schema: Schema, spec: PartitionSpec) -> list[tuple[str, str]]:
    """(source column, transform) per partition field: comparable across tables and contracts."""
    return [(schema.find_column_name(f.source_id) or "?", str(f.transform)) for f in spec.fields]


@dataclass(frozen=True)
class Contract:
    identifier: str
    schema: Schema
    spec: PartitionSpec
    properties: dict[str, str]
    # Properties computed from the table's actual schema (its field ids), applied over `properties`.
    schema_properties: Callable[[Schema], dict[str, str]] | None = None

    @property
    def partition_columns(self) -> list[tuple[str, str]]:
        return partitioning(self.schema, self.spec)


def cdc_columns(dialect: Dialect) -> list[str]:
    return [name for name, _, _ in _COMMON + _POSITION[dialect]]


def contract(source: CapturedSource, table: str, columns: Iterable[SourceColumn]) -> Contract:
    fields: list[NestedField] = []
    for col in columns:
        doc = f"source column {col.name} ({col.data_type})"
        fields.append(NestedField(len(fields) + 1, col.name, iceberg_type(source.dialect, col), False, doc))
    for name, type_, doc in _COMMON + _POSITION[source.dialect]:
        fields.append(NestedField(len(fields) + 1, name, type_, False, doc))
    schema = Schema(*fields)
    ts = schema.find_field("_source_ts")
    spec = PartitionSpec(PartitionField(ts.field_id, 1000, DayTransform(), PARTITION_NAME))
    topic = source.topic(table)
    properties = {
        **PROPERTIES,
        "pororoca.source-topic": topic,
        "comment": f"Change log of {topic}: one row per captured change, append only.",
    }
    return Contract(source.bronze_table(table), schema, spec, properties)


def contracts(source: CapturedSource, tables: dict[str, list[SourceColumn]]) -> list[Contract]:
    return [contract(source, t, cols) for t, cols in sorted(tables.items()) if t not in source.excluded]
