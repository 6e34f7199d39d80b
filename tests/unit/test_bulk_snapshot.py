"""The initial bulk snapshot's own logic: where its rows sit in the source log, which columns it can read exactly
and how, and COPY's CSV read back into the values the sink would have written."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pyarrow as pa
import pytest
from pyiceberg.schema import Schema
from pyiceberg.types import (
    BinaryType,
    BooleanType,
    DateType,
    DecimalType,
    LongType,
    NestedField,
    StringType,
    TimestamptzType,
    UUIDType,
)

from pororoca_catalog.types import SourceColumn
from pororoca_cdc import bulk_plan, bulk_snapshot
from pororoca_cdc.bulk_plan import ColumnRead, Position


def test_an_lsn_reads_as_debezium_writes_it():
    assert bulk_plan.pg_lsn("0/C7F6FF0") == 0xC7F6FF0
    assert bulk_plan.pg_lsn("1/0") == 2**32
    assert bulk_plan.pg_lsn("2A/10") == (0x2A << 32) + 0x10


def test_bulk_rows_sit_strictly_between_the_changes_before_and_after_the_snapshot():
    wal_insert = 0x3000_0028  # where the next WAL record will start
    bulk = Position.postgres(wal_insert).lsn
    assert bulk is not None
    last_record_before = wal_insert - 24  # a WAL record is at least 24 bytes
    assert last_record_before < bulk < wal_insert  # every streamed change starts at or after the insert position
    binlog = Position.mariadb("binlog.000003", 2079)
    assert (binlog.file, binlog.pos) == ("binlog.000003", 2078)


@pytest.mark.parametrize(
    ("dialect", "column", "readable"),
    [
        ("postgres", SourceColumn("note", "text"), True),
        ("postgres", SourceColumn("uf", "character", 2), True),
        ("postgres", SourceColumn("ip", "inet"), True),
        ("postgres", SourceColumn("doc", "jsonb"), True),
        ("postgres", SourceColumn("amount", "numeric", 18, 2), True),
        ("postgres", SourceColumn("at", "timestamp with time zone"), True),
        ("postgres", SourceColumn("tags", "array"), False),  # Debezium sends a JSON list
        ("postgres", SourceColumn("took", "interval"), False),  # Debezium sends microseconds
        ("postgres", SourceColumn("anything", "numeric"), False),  # unconstrained: Debezium's variable scale
        ("mariadb", SourceColumn("status", "enum"), True),
        ("mariadb", SourceColumn("at", "datetime"), True),
        ("mariadb", SourceColumn("flags", "set"), False),
        ("mariadb", SourceColumn("opens", "time"), False),
    ],
)
def test_only_types_whose_bronze_value_is_known_are_read_in_bulk(dialect, column, readable):
    assert (bulk_plan.unsupported(dialect, column) is None) is readable


def test_each_column_is_read_in_the_form_its_bronze_type_needs():
    bronze = [
        ("id", LongType()),
        ("at", TimestamptzType()),
        ("local_at", LongType()),
        ("day", DateType()),
        ("ref", UUIDType()),
        ("raw", BinaryType()),
        ("gone", StringType()),
        ("_op", StringType()),
        ("_source_lsn", LongType()),
    ]
    source = [
        SourceColumn("id", "bigint"),
        SourceColumn("at", "timestamp with time zone"),
        SourceColumn("local_at", "timestamp without time zone"),
        SourceColumn("day", "date"),
        SourceColumn("ref", "uuid"),
        SourceColumn("raw", "bytea"),
    ]
    reads = bulk_plan.column_reads("postgres", bronze, source)
    assert [(c.name, c.reader) for c in reads] == [
        ("id", "value"),
        ("at", "epoch_micros"),
        ("local_at", "epoch_micros"),
        ("day", "epoch_days"),
        ("ref", "uuid_text"),
        ("raw", "hex_bytes"),
        ("gone", "null"),  # dropped at the source: NULL, as the sink writes a missing field
    ]
    sql = bulk_plan.postgres_copy_sql("public", 'we"ird', reads)
    assert 'FROM "public"."we""ird"' in sql and sql.endswith("TO STDOUT (FORMAT csv)")
    assert '(extract(epoch FROM "at") * 1000000)::bigint AS "at"' in sql
    assert 'NULL AS "gone"' in sql


def test_bulk_rows_carry_a_read_op_and_a_partition_of_their_own():
    pg = bulk_plan.capture_values("postgres", Position.postgres(100), "bronze.core_devices")
    assert pg == {"_op": "r", "_kafka_partition": -1, "_bronze_table": "bronze.core_devices",
                  "_source_lsn": 99, "_source_tx_id": None}  # fmt: skip
    maria = bulk_plan.capture_values("mariadb", Position.mariadb("binlog.000001", 500), "bronze.acquiring_merchants")
    assert (maria["_source_file"], maria["_source_pos"], maria["_source_row"]) == ("binlog.000001", 499, 0)


class _Copy:
    """psycopg's Copy as far as the reader uses it: blocks of bytes, then an empty one."""

    def __init__(self, data: bytes, block: int) -> None:
        self.blocks = [data[i : i + block] for i in range(0, len(data), block)]

    def read(self) -> bytes:
        return self.blocks.pop(0) if self.blocks else b""


def test_copy_csv_reads_back_every_value_exactly():
    reads = [
        ColumnRead("id", LongType(), "value"),
        ColumnRead("note", StringType(), "value"),
        ColumnRead("amount", DecimalType(18, 2), "value"),
        ColumnRead("ok", BooleanType(), "value"),
        ColumnRead("at", TimestamptzType(), "epoch_micros"),
        ColumnRead("day", DateType(), "epoch_days"),
        ColumnRead("ref", UUIDType(), "uuid_text"),
        ColumnRead("raw", BinaryType(), "hex_bytes"),
    ]
    csv = (
        b'1,"a, ""quoted""\nline",1234567890123456.78,t,1764000000123456,20414,'
        b"0b9c4e5e-1d7a-4b4e-9d3c-2f1e0a9b8c7d,00ff\n"
        b'2,"",0.01,f,,,,\n'
        b"3,NA,-5.00,,0,0,,\n"
        b"4,,,,,,,\n"
    )
    tables = list(bulk_snapshot.csv_batches(_Copy(csv, block=7), reads))  # blocks split rows and fields
    assert len(tables) == 1
    t = tables[0]
    schema = Schema(*(NestedField(i + 1, c.name, c.type, False) for i, c in enumerate(reads))).as_arrow()
    cols = {c.name: bulk_snapshot.from_csv(c, t.column(c.name), schema.field(c.name).type) for c in reads}
    row = pa.Table.from_arrays([cols[c.name].cast(schema.field(c.name).type) for c in reads], schema=schema).to_pylist()
    assert row[0]["note"] == 'a, "quoted"\nline'
    assert row[0]["amount"] == Decimal("1234567890123456.78")
    assert row[0]["ok"] is True and row[1]["ok"] is False and row[2]["ok"] is None
    assert row[0]["at"] == datetime(2025, 11, 24, 16, 0, 0, 123456, tzinfo=UTC)
    assert row[0]["day"] == date(2025, 11, 22)
    assert str(row[0]["ref"]) == "0b9c4e5e-1d7a-4b4e-9d3c-2f1e0a9b8c7d"
    assert row[0]["raw"] == b"\x00\xff"
    assert row[1]["note"] == "" and row[3]["note"] is None  # an empty string is not NULL
    assert row[2]["note"] == "NA"  # nor is text that looks like a null marker
    assert row[2]["at"] == datetime(1970, 1, 1, tzinfo=UTC)


def test_an_empty_table_gives_no_batch():
    assert list(bulk_snapshot.csv_batches(_Copy(b"", 10), [ColumnRead("id", LongType(), "value")])) == []


def test_mariadb_text_becomes_the_bronze_types():
    at = bulk_snapshot.from_text(["2026-10-25 12:28:17.850431", "2026-10-25 00:00:00", None],
                                 pa.timestamp("us", tz="UTC"))  # fmt: skip
    assert at.to_pylist()[:2] == [datetime(2026, 10, 25, 12, 28, 17, 850431, tzinfo=UTC),
                                  datetime(2026, 10, 25, tzinfo=UTC)]  # fmt: skip
    assert bulk_snapshot.from_text(["107.32", "-0.01"], pa.decimal128(12, 2)).to_pylist() == [
        Decimal("107.32"), Decimal("-0.01")]  # fmt: skip
    assert bulk_snapshot.from_text(["18446744073709551615"], pa.decimal128(20, 0)).to_pylist() == [
        Decimal(2**64 - 1)]  # an unsigned BIGINT  # fmt: skip
    assert bulk_snapshot.from_text(["2026-10-25"], pa.date32()).to_pylist() == [date(2026, 10, 25)]
    assert bulk_snapshot.from_text([b"\x00\xff", None], pa.large_binary()).to_pylist() == [b"\x00\xff", None]
    assert bulk_snapshot.from_text(["NULL", ""], pa.large_string()).to_pylist() == ["NULL", ""]


def test_a_snapshot_record_on_a_topic_is_shaped_as_debezium_s():
    key = [SourceColumn("transfer_id", "bigint")]
    assert bulk_plan.debezium_key("core.public.pix_transfers", key, [7]) == (
        b'{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"transfer_id"}],'
        b'"optional":false,"name":"core.public.pix_transfers.Key"},"payload":{"transfer_id":7}}'
    )
    assert bulk_plan.key_unsupported(key) is None
    assert bulk_plan.key_unsupported([SourceColumn("ref", "uuid")]) == "key column(s) ref (uuid)"
    assert bulk_plan.key_unsupported([]) == "no primary key"
    columns = {
        "transfer_id": (LongType(), pa.array([7, 8], pa.int64())),
        "amount": (DecimalType(18, 2), pa.array([Decimal("1234567890123456.70"), None], pa.decimal128(18, 2))),
        "at": (TimestamptzType(), pa.array([datetime(2026, 11, 22, 15, 4, 5, 123456, tzinfo=UTC), None],
                                           pa.timestamp("us", tz="UTC"))),
        "day": (DateType(), pa.array([date(2026, 11, 22), None], pa.date32())),
        "ref": (UUIDType(), pa.ExtensionArray.from_storage(pa.uuid(), pa.array(
            [UUID("0b9c4e5e-1d7a-4b4e-9d3c-2f1e0a9b8c7d").bytes, None], pa.binary(16)))),
        "raw": (BinaryType(), pa.array([b"\x00\xff", None], pa.large_binary())),
        "note": (StringType(), pa.array([None, "x"], pa.large_string())),
    }  # fmt: skip
    source = bulk_plan.postgres_source("core", "core", "public", "pix_transfers", Position.postgres(100), 1_000_000)
    records = list(bulk_plan.envelopes("core.public.pix_transfers", key, columns, source, 2_000_000))
    assert [k for k, _ in records] == [bulk_plan.debezium_key("core.public.pix_transfers", key, [n]) for n in (7, 8)]
    first, second = (json.loads(v, parse_float=Decimal) for _, v in records)
    assert first["op"] == "r" and first["before"] is None and first["ts_ms"] == 2000 and first["transaction"] is None
    assert first["after"] == {"transfer_id": 7, "amount": Decimal("1234567890123456.70"),
                              "at": "2026-11-22T15:04:05.123456Z", "day": 20779,
                              "ref": str(UUID("0b9c4e5e-1d7a-4b4e-9d3c-2f1e0a9b8c7d")), "raw": "AP8=",
                              "note": None}  # fmt: skip
    assert second["after"] == {"transfer_id": 8, "amount": None, "at": None, "day": None, "ref": None, "raw": None,
                               "note": "x"}  # fmt: skip
    assert first["source"]["lsn"] == 99 and first["source"]["ts_ms"] == 1000
    assert first["source"]["snapshot"] == "true" and first["source"]["table"] == "pix_transfers"
    assert b'"amount":1234567890123456.70' in records[0][1]  # a JSON number with every digit, as Debezium writes money


def test_the_tables_through_topics_are_data(tmp_path):
    conf = tmp_path / "initial_snapshot.toml"
    conf.write_text('[through_topics]\ncore = ["accounts", "devices"]\n')
    assert bulk_plan.through_topics("core", conf) == {"accounts", "devices"}
    assert bulk_plan.through_topics("acquiring", conf) == frozenset()
    shipped = bulk_plan.through_topics("core")
    assert {"pix_transfers", "devices", "transaction_limits", "auth_events", "accounts"} <= shipped


def test_cdc_wait_knows_the_heartbeat_topic_from_the_connector_definition():
    from pororoca_cdc.cli import heartbeat_topic
    from pororoca_cdc.connect import Connector

    beat = "INSERT INTO cdc_heartbeat (id, beat_at) VALUES (1, now()) ON CONFLICT (id) DO NOTHING"
    source = Connector("core-postgres", {"connector.class": "io.debezium.connector.postgresql.PostgresConnector",
                                         "topic.prefix": "core", "schema.include.list": "public",
                                         "heartbeat.action.query": beat})  # fmt: skip
    assert heartbeat_topic(source) == "core.public.cdc_heartbeat"
    maria = "io.debezium.connector.mariadb.MariaDbConnector"
    quiet = Connector("acquiring-mariadb", {"connector.class": maria, "topic.prefix": "acquiring",
                                            "database.include.list": "acquiring"})  # fmt: skip
    assert heartbeat_topic(quiet) is None
