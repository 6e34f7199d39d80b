"""Contracts of the tables the fraud path's sink (`cdc/connectors/lake-fraud.json`) lands from schemaless JSON.

The sink converts each JSON record into the table's schema by field name, so the table is declared here, not
inferred from the first record: a JSON list or object lands in a `string` column as its JSON text, and an epoch
in milliseconds lands in a `timestamptz` column whose name mapping (Iceberg's `schema.name-mapping.default`)
also accepts the record's `..._ms` field (`record_names`). A record's fields that no column takes are dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import DayTransform
from pyiceberg.types import (
    BooleanType,
    DecimalType,
    DoubleType,
    IcebergType,
    IntegerType,
    ListType,
    LongType,
    NestedField,
    StringType,
    TimestamptzType,
)

from pororoca_catalog.bronze import PROPERTIES, Contract

NAME_MAPPING = "schema.name-mapping.default"

Column = tuple[str, IcebergType, str]

_KAFKA: list[Column] = [
    ("_kafka_partition", IntegerType(), "partition of the topic the row came from"),
    ("_kafka_offset", LongType(), "offset in that partition: with the partition, the record's identity"),
]

_SCORE: list[Column] = [
    ("transfer_id", LongType(), "the Pix transfer scored (core pix_transfers.transfer_id)"),
    ("payer_account_id", LongType(), "the paying account"),
    ("payee_key_token", StringType(), "the destination Pix key, tokenised like silver (never the raw key)"),
    ("amount", DecimalType(18, 2), "amount in BRL"),
    ("created_at", TimestamptzType(), "when the transfer was created at the source (UTC)"),
    ("source_commit_at", TimestamptzType(), "when its row was committed in the source database (UTC)"),
    ("scored_at", TimestamptzType(), "when the processor published the score (UTC)"),
    ("live", BooleanType(), "false for a transfer replayed from the initial snapshot (scored, never alerted)"),
    ("score", DoubleType(), "fraud score in [0, 1]: the highest of the rules' and the model's"),
    ("decision", StringType(), "allow | alert | hold | block (thresholds in fraud/scoring.toml)"),
    ("rules", ListType(0, StringType(), element_required=False), "names of the rules that fired"),
    ("patterns", ListType(0, StringType(), element_required=False), "fraud patterns of those rules"),
    ("reasons", StringType(), "JSON list: each rule or model reason with its evidence"),
    ("model_version", StringType(), "registry version of the model that scored it (null: rules only)"),
    ("features", StringType(), "JSON object: the feature values the decision saw"),
    ("shadow_model_version", StringType(), "the challenger scoring in the shadow (null: none besides the champion)"),
    ("shadow_score", DoubleType(), "the challenger's score, recorded and never acted on"),
    ("shadow_decision", StringType(), "the decision the challenger would have taken"),
]

_DISPOSITION: list[Column] = [
    ("transfer_id", LongType(), "the alerted Pix transfer"),
    ("label", StringType(), "confirmed_fraud | legitimate: a label for retraining"),
    ("note", StringType(), "the analyst's free-text note"),
    ("analyst", StringType(), "the authenticated user who decided"),
    ("decided_at", TimestamptzType(), "when the analyst recorded it (UTC)"),
    ("alert_decision", StringType(), "the processor's decision on the alert being disposed"),
]

_API_ACCESS: list[Column] = [
    ("at", TimestamptzType(), "when the fraud API answered (UTC)"),
    ("user", StringType(), "the user who authenticated (or tried to)"),
    ("method", StringType(), "HTTP method"),
    ("route", StringType(), "the API route"),
    ("transfer_id", LongType(), "the transfer asked about, if any"),
    ("status", IntegerType(), "HTTP status returned"),
    ("disclosed_rows", IntegerType(), "how many transfers the answer disclosed"),
    ("client", StringType(), "the client's address"),
]


@dataclass(frozen=True)
class StreamTable:
    identifier: str
    topic: str
    columns: list[Column]
    partition_by: str  # a timestamptz column, partitioned by day
    comment: str


TABLES: tuple[StreamTable, ...] = (
    StreamTable("gold.fraud_scores", "fraud.scores", _SCORE, "created_at",
                "Every Pix transfer the real-time processor scored, with its decision, reasons and features."),
    StreamTable("gold.fraud_alerts", "fraud.alerts", _SCORE, "created_at",
                "The live transfers the processor alerted, held or blocked; open until a disposition names them."),
    StreamTable("gold.fraud_dispositions", "fraud.dispositions", _DISPOSITION, "decided_at",
                "Fraud analysts' dispositions of alerts (through the fraud API): labels for retraining."),
    StreamTable("audit.fraud_api", "fraud.api.audit", _API_ACCESS, "at",
                "Every request to the fraud API: who asked what about which transfer, and the answer's status."),
)  # fmt: skip


def _schema(columns: list[Column]) -> Schema:
    fields: list[NestedField] = []
    next_id = len(columns) + 1  # list elements after the top-level fields, as Iceberg numbers them
    for i, (name, type_, doc) in enumerate(columns, start=1):
        if isinstance(type_, ListType):
            type_ = ListType(next_id, type_.element_type, element_required=False)
            next_id += 1
        fields.append(NestedField(i, name, type_, False, doc))
    return Schema(*fields)


def record_names(column: str, type_: IcebergType) -> list[str]:
    """The record fields a column takes: its name; for a timestamp also the epoch milliseconds the records carry,
    `<name>_ms`, and for `<x>_at` also `<x>_ms` (`source_commit_at` <- `source_commit_ms`)."""
    if not isinstance(type_, TimestamptzType):
        return [column]
    names = [column, f"{column}_ms"]
    if column.endswith("_at"):
        names.append(f"{column[:-3]}_ms")
    return names


def name_mapping(schema: Schema) -> str:
    entries = [{"field-id": f.field_id, "names": record_names(f.name, f.field_type)} for f in schema.fields]
    return json.dumps(entries, separators=(",", ":"))


def contract(table: StreamTable) -> Contract:
    schema = _schema(table.columns + _KAFKA)
    source = schema.find_field(table.partition_by)
    spec = PartitionSpec(PartitionField(source.field_id, 1000, DayTransform(), f"{table.partition_by}_day"))
    namespace = table.identifier.split(".")[0]
    properties = {
        **PROPERTIES,
        "pororoca.layer": namespace,
        "pororoca.source-topic": table.topic,
        "comment": table.comment,
        NAME_MAPPING: name_mapping(schema),
    }
    return Contract(table.identifier, schema, spec, properties, schema_properties=_mapping_of)


def _mapping_of(schema: Schema) -> dict[str, str]:
    return {NAME_MAPPING: name_mapping(schema)}


def contracts() -> list[Contract]:
    return [contract(t) for t in TABLES]
