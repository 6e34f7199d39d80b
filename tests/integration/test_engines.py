"""One Iceberg table through every engine: pyiceberg writes through the JDBC catalog, Trino reads,
Spark (local mode) reads and MERGEs, Trino sees the merge and every snapshot."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from pororoca_core import lakehouse

pytestmark = pytest.mark.integration

NS = "it_engines"
SCHEMA = pa.schema(
    [
        pa.field("account_id", pa.int64(), nullable=False),
        pa.field("holder", pa.string()),
        pa.field("balance", pa.decimal128(18, 2)),
    ]
)


@pytest.fixture(scope="module")
def endpoints(paths):
    return lakehouse.Endpoints.of(paths)


@pytest.fixture(scope="module")
def accounts(endpoints):
    catalog = lakehouse.iceberg_catalog(endpoints, "contracts")
    catalog.create_namespace_if_not_exists(NS)
    name = f"{NS}.accounts"
    if catalog.table_exists(name):
        catalog.drop_table(name)
    table = catalog.create_table(name, schema=SCHEMA)
    rows = {"account_id": [1, 2, 3], "holder": ["Ana", "Bruno", "Çaio"], "balance": [Decimal("10.00")] * 3}
    table.append(pa.table(rows, schema=SCHEMA))
    return name


def trino_rows(endpoints, sql: str) -> list[tuple]:
    with lakehouse.trino_connection(endpoints) as conn:
        cur = conn.cursor()
        cur.execute(sql)
        return [tuple(r) for r in cur.fetchall()]


def test_pyiceberg_table_is_listed_by_the_catalog(endpoints, accounts):
    catalog = lakehouse.iceberg_catalog(endpoints, "lgpd")
    assert (NS, "accounts") in catalog.list_tables(NS)
    assert len(catalog.load_table(accounts).inspect.snapshots()) == 1


def test_trino_reads_what_pyiceberg_wrote(endpoints, accounts):
    rows = trino_rows(endpoints, f"SELECT account_id, holder, balance FROM lakehouse.{accounts} ORDER BY 1")
    assert rows == [(1, "Ana", Decimal("10.00")), (2, "Bruno", Decimal("10.00")), (3, "Çaio", Decimal("10.00"))]


def test_spark_reads_and_merges_and_trino_sees_the_result(lake_spark, endpoints, accounts):
    spark = lake_spark
    assert spark.table(f"lakehouse.{accounts}").count() == 3
    spark.createDataFrame(
        [(2, "Bruno", Decimal("25.50")), (4, "Dora", Decimal("7.25"))],
        "account_id bigint, holder string, balance decimal(18,2)",
    ).createOrReplaceTempView("changes")
    spark.sql(
        f"""MERGE INTO lakehouse.{accounts} t USING changes c ON t.account_id = c.account_id
            WHEN MATCHED THEN UPDATE SET t.balance = c.balance
            WHEN NOT MATCHED THEN INSERT *"""
    )
    rows = trino_rows(endpoints, f"SELECT account_id, balance FROM lakehouse.{accounts} ORDER BY 1")
    assert rows == [(1, Decimal("10.00")), (2, Decimal("25.50")), (3, Decimal("10.00")), (4, Decimal("7.25"))]
    # append, merge: both snapshots stay in the table's metadata, the newest is what every engine reads
    snapshots = trino_rows(endpoints, f'SELECT snapshot_id FROM {NS}."accounts$snapshots" ORDER BY committed_at')
    assert len(snapshots) == 2
    current = lakehouse.iceberg_catalog(endpoints, "lgpd").load_table(accounts).current_snapshot()
    assert current is not None and current.snapshot_id == snapshots[-1][0]
