"""Time travel on the Iceberg JDBC catalog: every commit stays reachable by snapshot id and by timestamp, in
Trino and in Spark, until its layer's window expires it; a guarded rollback makes an earlier state current.
And each engine's catalog role can do only what its engine needs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import psycopg
import pyarrow as pa
import pytest
from pyiceberg.exceptions import CommitFailedException, NoSuchNamespaceError, NoSuchTableError

from pororoca_core import credentials, lakehouse
from pororoca_governance.trino_security import ensure_audit_tables

from .conftest import pororoca

pytestmark = pytest.mark.integration

NS = "it_time_travel"
TABLE = f"{NS}.balances"


@dataclass(frozen=True)
class State:
    snapshot_id: int
    committed_at: datetime
    checksum: tuple  # Trino's checksum of every column, and the row count
    rows: list[tuple]


def _rows(cur, sql: str) -> list[tuple]:
    cur.execute(sql)
    return [tuple(r) for r in cur.fetchall()]


def _checksum(cur, suffix: str = "") -> tuple:
    return _rows(cur, f"SELECT checksum(account_id), checksum(balance), count(*) FROM {TABLE} {suffix}")[0]


@pytest.fixture(scope="module")
def ep(paths):
    return lakehouse.Endpoints.of(paths)


@pytest.fixture(scope="module")
def states(ep) -> Iterator[list[State]]:
    """A table created and then changed three times (insert, update, delete), through Trino: the state after
    each of the four commits."""
    conn = lakehouse.trino_connection(ep)
    cur = conn.cursor()
    _rows(cur, f"CREATE SCHEMA IF NOT EXISTS lakehouse.{NS}")
    _rows(cur, f"DROP TABLE IF EXISTS {TABLE}")
    changes = [
        f"CREATE TABLE {TABLE} AS SELECT * FROM (VALUES (1, DECIMAL '10.00'), (2, DECIMAL '20.00')) "
        "AS t(account_id, balance)",
        f"INSERT INTO {TABLE} VALUES (3, DECIMAL '30.00')",
        f"UPDATE {TABLE} SET balance = balance + DECIMAL '5.00' WHERE account_id = 1",
        f"DELETE FROM {TABLE} WHERE account_id = 2",
    ]
    found: list[State] = []
    for sql in changes:
        _rows(cur, sql)
        snapshot_id, at = _rows(
            cur, f'SELECT snapshot_id, committed_at FROM {NS}."balances$snapshots" ORDER BY committed_at DESC LIMIT 1'
        )[0]
        found.append(State(snapshot_id, at, _checksum(cur), _rows(cur, f"SELECT * FROM {TABLE} ORDER BY 1")))
    yield found
    conn.close()


def test_snapshots_and_history_list_every_commit(ep, states):
    with lakehouse.trino_connection(ep) as conn:
        cur = conn.cursor()
        listed = _rows(cur, f'SELECT snapshot_id FROM {NS}."balances$snapshots" ORDER BY committed_at')
        history = _rows(cur, f'SELECT snapshot_id, is_current_ancestor FROM {NS}."balances$history" '
                             "ORDER BY made_current_at")  # fmt: skip
    assert [s for (s,) in listed] == [s.snapshot_id for s in states]
    assert history == [(s.snapshot_id, True) for s in states]
    assert len({s.checksum for s in states}) == len(states)  # four different states


def test_trino_travels_to_every_snapshot_and_timestamp(ep, states):
    with lakehouse.trino_connection(ep) as conn:
        cur = conn.cursor()
        for s in states:
            assert _checksum(cur, f"FOR VERSION AS OF {s.snapshot_id}") == s.checksum
            at = s.committed_at.isoformat(sep=" ")
            assert _checksum(cur, f"FOR TIMESTAMP AS OF TIMESTAMP '{at}'") == s.checksum, at


def test_spark_travels_to_every_snapshot_and_timestamp(lake_spark, states):
    spark = lake_spark
    for s in states:
        by_version = spark.sql(f"SELECT * FROM lakehouse.{TABLE} VERSION AS OF {s.snapshot_id} ORDER BY 1").collect()
        assert [tuple(r) for r in by_version] == s.rows
        at = s.committed_at.isoformat()
        by_time = spark.sql(f"SELECT * FROM lakehouse.{TABLE} TIMESTAMP AS OF '{at}' ORDER BY 1").collect()
        assert [tuple(r) for r in by_time] == s.rows, at


def test_rollback_shows_the_plan_and_changes_nothing_without_yes(ep, states):
    target = states[1].committed_at.isoformat()
    result = pororoca("lakehouse", "rollback", TABLE, "--to", target, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"-> snapshot {states[1].snapshot_id}" in result.stdout and "nothing changed" in result.stdout
    with lakehouse.trino_connection(ep) as conn:
        assert _checksum(conn.cursor()) == states[-1].checksum


def test_rollback_with_yes_restores_the_earlier_state_and_is_recorded(ep, states):
    out = pororoca("lakehouse", "rollback", TABLE, "--to", str(states[1].snapshot_id), "--yes",
                   "--run-id", "it-rollback", timeout=600).stdout  # fmt: skip
    assert f"reads snapshot {states[1].snapshot_id}" in out, out
    with lakehouse.trino_connection(ep) as conn:
        cur = conn.cursor()
        assert _checksum(cur) == states[1].checksum
        assert _rows(cur, f"SELECT * FROM {TABLE} ORDER BY 1") == states[1].rows
        recorded = _rows(cur, "SELECT table_name, rows_read, rows_written, detail FROM gold.pipeline_runs "
                              "WHERE run_id = 'it-rollback' AND job = 'rollback'")  # fmt: skip
    assert recorded == [
        (TABLE, len(states[-1].rows), len(states[1].rows),
         f"rolled back from snapshot {states[-1].snapshot_id} to snapshot {states[1].snapshot_id} "
         f"(asked for snapshot {states[1].snapshot_id})"),
    ]  # fmt: skip


# -- identities ---------------------------------------------------------------------------------------------
SCHEMA = pa.schema([("n", pa.int64())])


def test_each_engine_role_is_refused_what_its_engine_does_not_do(ep, paths, states):
    """The sinks' role neither sees nor writes outside bronze and audit; the contracts' role drops nothing and
    cannot touch the audit trail; the LGPD tooling's role only reads."""
    connect = lakehouse.iceberg_catalog(ep, "connect")
    with pytest.raises(NoSuchTableError):
        connect.load_table(TABLE)
    with pytest.raises(NoSuchNamespaceError):
        connect.create_table(f"{NS}.from_the_sink", schema=SCHEMA)
    with _catalog_db(ep, paths, "connect") as conn, pytest.raises(psycopg.Error, match="row-level security"):
        conn.execute("INSERT INTO iceberg_tables VALUES ('lakehouse', 'silver', 'forged', 's3://x', NULL, 'TABLE')")

    contracts = lakehouse.iceberg_catalog(ep, "contracts")
    table = contracts.create_table_if_not_exists(f"{NS}.by_contract", schema=SCHEMA)
    table.append(pa.table({"n": [1]}, schema=SCHEMA))  # the contracts' role may create and commit here
    with pytest.raises(Exception, match="permission denied"):
        contracts.drop_table(f"{NS}.by_contract")
    ensure_audit_tables(ep)
    receipts = contracts.load_table("audit.erasure_receipts")  # readable, not writable
    with pytest.raises(CommitFailedException):
        receipts.transaction().set_properties({"pororoca.tampered": "yes"}).commit_transaction()

    lgpd = lakehouse.iceberg_catalog(ep, "lgpd")
    mine = lgpd.load_table(f"{NS}.by_contract")
    assert mine.scan().to_arrow().num_rows == 1
    with pytest.raises(Exception, match="permission denied"):
        mine.append(pa.table({"n": [2]}, schema=SCHEMA))
    with lakehouse.trino_connection(ep) as conn:
        _rows(conn.cursor(), f"DROP TABLE {NS}.by_contract")


def test_a_wrong_password_or_another_services_role_is_refused(ep, paths):
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(host=ep.catalog_host, port=ep.catalog_port, dbname=ep.catalog_database,
                        user=lakehouse.catalog_role("spark"), password="wrong", connect_timeout=5)  # fmt: skip
    core_password = credentials.load(paths.credentials)["postgres_core_password"]
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        psycopg.connect(host=ep.catalog_host, port=ep.catalog_port, dbname=ep.catalog_database, user="core",
                        password=core_password, connect_timeout=5)  # fmt: skip


def _catalog_db(ep, paths, engine: lakehouse.Engine) -> psycopg.Connection:
    """The catalog's tables as an engine's role, through PostgreSQL's own protocol (what every engine does)."""
    return psycopg.connect(host=ep.catalog_host, port=ep.catalog_port, dbname=ep.catalog_database,
                           user=lakehouse.catalog_role(engine), password=ep.catalog_password(engine))  # fmt: skip
