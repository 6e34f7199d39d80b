"""Bronze contracts: type mapping, partitioning, and agreement with the sink connectors' transforms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyiceberg.types import (
    BinaryType,
    DateType,
    DecimalType,
    IntegerType,
    LongType,
    StringType,
    TimestamptzType,
    UUIDType,
)

from pororoca_catalog.bronze import CapturedSource, cdc_columns, contract, contracts
from pororoca_catalog.types import SourceColumn, iceberg_type
from pororoca_cdc import bronze, connect

CONTEXT = {
    "host": "127.0.0.1",
    **{f"{name}_host": "127.0.0.1" for name in ("postgres", "mariadb", "kafka", "minio")},
    "s3_endpoint": "http://127.0.0.1:19000",
    "postgres_port": "15432",
    "mariadb_port": "13306",
    "kafka_port": "19092",
    "catalog_database": "iceberg",
    "minio_port": "19000",
    "lakehouse.bucket": "warehouse",
    "lakehouse.region": "us-east-1",
}


@pytest.mark.parametrize(
    ("dialect", "column", "expected"),
    [
        ("postgres", SourceColumn("amount", "numeric", 18, 2), DecimalType(18, 2)),
        ("postgres", SourceColumn("ratio", "numeric"), StringType()),  # unconstrained: keep every digit
        ("postgres", SourceColumn("at", "timestamp with time zone"), TimestamptzType()),
        ("postgres", SourceColumn("at", "timestamp without time zone"), LongType()),
        ("postgres", SourceColumn("day", "date"), DateType()),
        ("postgres", SourceColumn("id", "uuid"), UUIDType()),
        ("postgres", SourceColumn("doc", "jsonb"), StringType()),
        ("postgres", SourceColumn("raw", "bytea"), BinaryType()),
        ("postgres", SourceColumn("kind", "USER-DEFINED"), StringType()),
        ("mariadb", SourceColumn("at", "datetime"), TimestamptzType()),
        ("mariadb", SourceColumn("n", "int", unsigned=True), LongType()),
        ("mariadb", SourceColumn("n", "bigint", unsigned=True), DecimalType(20, 0)),
        ("mariadb", SourceColumn("n", "tinyint"), IntegerType()),
        ("mariadb", SourceColumn("amount", "decimal", 18, 2), DecimalType(18, 2)),
    ],
)
def test_source_types_map_to_what_the_sink_can_write_exactly(dialect, column, expected):
    assert iceberg_type(dialect, column) == expected


def _core() -> CapturedSource:
    return CapturedSource("core", "postgres", "public", frozenset({"schema_migrations"}))


def test_contract_is_the_row_then_the_capture_metadata_partitioned_by_commit_day():
    c = contract(
        _core(), "pix_transfers", [SourceColumn("transfer_id", "bigint"), SourceColumn("amount", "numeric", 18, 2)]
    )
    assert c.identifier == "bronze.core_pix_transfers"
    names = [f.name for f in c.schema.fields]
    assert names == ["transfer_id", "amount", *cdc_columns("postgres")]
    assert all(not f.required for f in c.schema.fields)  # deletes carry only the key under REPLICA IDENTITY DEFAULT
    assert c.partition_columns == [("_source_ts", "day")]
    assert c.properties["pororoca.source-topic"] == "core.public.pix_transfers"


def test_excluded_tables_get_no_contract():
    tables = {"customers": [SourceColumn("customer_id", "bigint")], "schema_migrations": [SourceColumn("v", "text")]}
    assert [c.identifier for c in contracts(_core(), tables)] == ["bronze.core_customers"]


def _definitions() -> dict[str, connect.Connector]:
    return {c.name: c for c in connect.definitions(CONTEXT)}


def test_captured_sources_follow_the_debezium_definitions():
    defs = _definitions()
    core = bronze.captured_source(defs["core-postgres"])
    acquiring = bronze.captured_source(defs["acquiring-mariadb"])
    assert core == CapturedSource("core", "postgres", "public", frozenset({"schema_migrations", "source_loads"}))
    assert acquiring is not None and acquiring.dialect == "mariadb" and acquiring.schema == "acquiring"
    assert bronze.captured_source(defs["bronze-core"]) is None


@pytest.mark.parametrize(
    ("sink", "source"), [("bronze-core", "core-postgres"), ("bronze-acquiring", "acquiring-mariadb")]
)
def test_every_field_the_sink_adds_is_declared_in_the_contract(sink, source):
    defs = _definitions()
    cfg = defs[sink].config
    captured = bronze.captured_source(defs[source])
    assert captured is not None
    added = [pair.split(":")[1] for pair in cfg["transforms.unwrap.fields"].split(",")]
    added += [
        cfg[k]
        for k in cfg
        if k.startswith("transforms.") and k.endswith((".topic.field", ".partition.field", ".offset.field"))
    ]
    assert sorted(added) == sorted(cdc_columns(captured.dialect))
    assert cfg["iceberg.tables.route-field"] in added
    # The routed name is the contract's identifier.
    assert cfg["transforms.route.replacement"].replace("$1", "x") == captured.bronze_table("x")


@pytest.mark.parametrize(
    ("sink", "source"), [("bronze-core", "core-postgres"), ("bronze-acquiring", "acquiring-mariadb")]
)
def test_sinks_read_the_plain_json_their_sources_write_with_our_classes(sink, source):
    defs = _definitions()
    assert defs[source].config["value.converter.schemas.enable"] == "false"
    assert defs[source].config["value.converter.decimal.format"] == "NUMERIC"  # exact decimals, not base64
    sink_cfg = defs[sink].config
    ours = [sink_cfg["value.converter"], sink_cfg["transforms.unwrap.type"]]
    assert ours == ["io.pororoca.connect.ExactJsonConverter", "io.pororoca.connect.ChangeRow"]
    src = Path(__file__).parents[2] / "cdc" / "connect-transforms" / "src"
    for cls in ours:
        assert (src / (cls.replace(".", "/") + ".java")).is_file(), cls
    assert sink_cfg["transforms"].split(",")[0] == "unwrap"  # the row first: the others work on it


def test_no_secret_is_inlined_in_any_connector():
    for c in _definitions().values():
        for key, value in c.config.items():
            if any(word in key for word in ("password", "secret", "access-key")):
                assert value.startswith("${env:"), (c.name, key)


def test_every_sinks_topics_are_one_pattern_whether_named_or_matched():
    """`cdc status` and `cdc wait` measure a sink's lag over the topics this pattern matches."""
    sinks = {n: c for n, c in _definitions().items() if "errors.deadletterqueue.topic.name" in c.config}
    assert {"bronze-core", "bronze-acquiring", "audit-trino", "lake-fraud"} <= set(sinks)
    fraud = re.compile(sinks["lake-fraud"].topics_pattern)
    assert all(fraud.fullmatch(t) for t in ("fraud.scores", "fraud.alerts", "fraud.dispositions", "fraud.api.audit"))
    assert not fraud.fullmatch("fraud.dlq") and not fraud.fullmatch("fraud.apiXaudit")
    assert re.compile(sinks["bronze-core"].topics_pattern).fullmatch("core.public.pix_transfers")
