"""The first capture of the sources: a bulk snapshot straight into bronze, handed off to Debezium's streaming
while the sources keep changing. Every change made before, during and after the snapshot is in bronze exactly
once as far as curation can tell: the newest row per key, by the source log's position, equals the source.

The session's first capture (test_cdc's) is a bulk snapshot already, of sources at rest. This module runs last
(conftest's RUNS_LAST): it undoes the capture (connectors, offsets, slot, bronze rows), reloads the sources, and
takes a first capture again while a workload writes, before, during and after the snapshot."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime
from ipaddress import IPv4Address, IPv6Address
from uuid import UUID

import psycopg
import pytest
from pyiceberg.expressions import AlwaysTrue

from pororoca_cdc import connect, lag
from pororoca_cdc.cli import connector_context
from pororoca_core import credentials, lakehouse
from pororoca_sources.connections import Sources

from .conftest import CLI, pororoca, read_all

pytestmark = pytest.mark.integration

SOURCES = ("core-postgres", "acquiring-mariadb")
SLOT = "pororoca_core"


def _undo_capture(paths, ep: lakehouse.Endpoints) -> None:
    api = connect.Api(ep.connect_url, ep.connect_auth)
    for name in SOURCES:
        if connect.config(api, name) is not None:
            connect.stop(api, name)
            connect.forget_offsets(api, name)
            api.call("DELETE", f"/connectors/{name}")
    secrets = credentials.load(paths.credentials)
    src = Sources.of(paths)
    with psycopg.connect(host="127.0.0.1", port=src.pg_port, user="cdc", password=secrets["postgres_cdc_password"],
                         dbname="core", autocommit=True) as conn:  # fmt: skip
        deadline = time.monotonic() + 60
        while row := conn.execute("SELECT active FROM pg_replication_slots WHERE slot_name = %s", (SLOT,)).fetchone():
            if not row[0]:
                conn.execute("SELECT pg_drop_replication_slot(%s)", (SLOT,))
                break
            assert time.monotonic() < deadline, f"slot {SLOT} still in use after its connector was deleted"
            time.sleep(1)
    # What the sinks still hold of the old capture lands before bronze is emptied.
    sinks = [c for c in connect.definitions(connector_context()) if c.name.startswith("bronze-")]
    deadline = time.monotonic() + 120
    while any(lag.sink_lag(ep.kafka, c.name, c.topics_pattern).records for c in sinks):
        assert time.monotonic() < deadline, "the bronze sinks did not catch up"
        time.sleep(2)
    catalog = lakehouse.iceberg_catalog(ep, "contracts")
    for ns, name in catalog.list_tables("bronze"):
        if name.startswith(("core_", "acquiring_")):
            table = catalog.load_table(f"{ns}.{name}")
            if table.current_snapshot() is not None:
                table.delete(AlwaysTrue())


@pytest.fixture(scope="module")
def first_capture(paths):
    ep = lakehouse.Endpoints.of(paths)
    _undo_capture(paths, ep)
    pororoca("sources", "load", "--scale", "0.02", "--seed", "42", "--as-of", "2026-11-22", "--reset")
    src = Sources.of(paths)
    with src.core() as conn:
        before = conn.execute("SELECT count(*) FROM pix_transfers").fetchone()[0]
    workload = subprocess.Popen([CLI, "sources", "simulate", "--rate", "300", "--duration", "300", "--seed", "7"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:  # the workload writes before the snapshot starts...
            with src.core() as conn:
                if conn.execute("SELECT count(*) FROM pix_transfers").fetchone()[0] > before:
                    break
            assert workload.poll() is None and time.monotonic() < deadline, "the workload wrote nothing"
            time.sleep(0.5)
        applied = pororoca("cdc", "apply").stdout
        # ...during it, and after the hand-off: new transfers and paid instalments, both streamed
        progress = "SELECT (SELECT count(*) FROM pix_transfers), (SELECT count(paid_on) FROM installments)"
        with src.core() as conn:
            transfers, paid = conn.execute(progress).fetchone()
            deadline = time.monotonic() + 90
            while (now := conn.execute(progress).fetchone())[0] < transfers + 200 or now[1] < paid + 3:
                assert workload.poll() is None and time.monotonic() < deadline, f"the workload stopped writing: {now}"
                time.sleep(0.5)
        assert workload.poll() is None, "the workload must still run when the capture has started"
    finally:
        workload.terminate()  # SIGTERM: a SIGINT is ignored when the run was started in the background
        workload.wait(timeout=60)
    pororoca("cdc", "wait", "--timeout", "600", timeout=700)
    return applied, src, lakehouse.trino_connection(ep)


def _norm(v):
    if isinstance(v, datetime):
        return (v if v.tzinfo else v.replace(tzinfo=UTC)).timestamp()
    if isinstance(v, (IPv4Address, IPv6Address, UUID)):
        return str(v)
    if isinstance(v, str):
        return v.rstrip()
    return v


def _latest(trino, table: str, key: str, columns: list[str], order: str) -> Counter:
    cur = trino.cursor()
    cols = ", ".join(columns)
    cur.execute(
        f"SELECT {cols} FROM (SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY {order}) AS rn "
        f"FROM bronze.{table}) WHERE rn = 1 AND _op <> 'd'"
    )
    return Counter(tuple(_norm(v) for v in row) for row in cur.fetchall())


def _assert_same(name: str, expected: Counter, got: Counter) -> None:
    missing, extra = expected - got, got - expected
    assert not missing and not extra, (
        f"{name}: {sum(missing.values())} source rows missing or different in bronze's newest rows, "
        f"{sum(extra.values())} extra; e.g. missing {list(missing)[:2]}, extra {list(extra)[:2]}"
    )


def test_both_sources_are_snapshotted_in_bulk_and_then_stream(first_capture):
    applied, _, trino = first_capture
    assert re.search(r"core-postgres: bulk snapshot of \d+ tables, [\d,]+ rows into bronze, 5 through their topics "
                     r"\([\d,]+ rows\) \(slot", applied), applied  # fmt: skip
    assert re.search(r"acquiring-mariadb: bulk snapshot of \d+ tables, [\d,]+ rows into bronze \(binlog", applied)
    assert re.search(r"initial snapshot: [\d,]+ rows in [\d.]+s", applied), applied
    cur = trino.cursor()
    for table in ("core_installments", "acquiring_pos_transactions"):
        cur.execute(f"SELECT _kafka_partition = -1, min(_op), max(_op), count(*), count(DISTINCT _kafka_offset) "
                    f"FROM bronze.{table} GROUP BY 1 ORDER BY 1")  # fmt: skip
        (streamed, smin, _, n_streamed, _), (bulk, bmin, bmax, n_bulk, offsets) = cur.fetchall()
        assert bulk and (bmin, bmax) == ("r", "r") and offsets == n_bulk > 0  # (partition, offset) stays unique
        assert not streamed and smin in ("c", "d", "u") and n_streamed > 0  # the workload's changes, streamed
    # A table the fraud processor reads: its snapshot went through its topic, before any streamed change.
    cur.execute("SELECT _op, count(*), min(_kafka_offset), max(_kafka_offset) FROM bronze.core_pix_transfers "
                "WHERE _kafka_partition = 0 GROUP BY 1")  # fmt: skip
    ops = {op: (n, first, last) for op, n, first, last in cur.fetchall()}
    assert ops["r"][0] > 0 and "c" in ops and ops["c"][1] > ops["r"][2], ops


def test_snapshot_records_on_a_topic_carry_debezium_s_keys(first_capture, paths):
    """A row published by the bulk snapshot and then changed at the source: Debezium's key for the change is the
    snapshot record's key, byte for byte (consumers that key by it see one row)."""
    ep = lakehouse.Endpoints.of(paths)
    records = [(k, json.loads(v)) for k, v in read_all(ep.kafka, "core.public.transaction_limits") if v]
    at = max(v["source"]["lsn"] for _, v in records if v["op"] == "r")  # this capture's snapshot (the topic is older)
    snapshot_keys = {k for k, v in records if v["op"] == "r" and v["source"]["lsn"] == at}
    updated = {k for k, v in records if v["op"] == "u" and v["source"]["lsn"] > at}
    assert snapshot_keys and updated, "the workload updates limits of customers loaded before the capture"
    assert updated <= snapshot_keys, f"e.g. {sorted(updated - snapshot_keys)[:1]} not among the snapshot's keys"


def _latest_postgres(src, trino, table: str, key: str) -> tuple[Counter, Counter]:
    with src.core() as conn:
        cur = conn.execute(f"SELECT * FROM {table}")
        columns = [d.name for d in cur.description]
        expected = Counter(tuple(_norm(v) for v in row) for row in cur.fetchall())
    return expected, _latest(trino, f"core_{table}", key, columns, "_source_lsn DESC, _kafka_offset DESC")


@pytest.mark.parametrize(("table", "key"), [("installments", "installment_id"), ("pix_transfers", "transfer_id")])
def test_changes_made_during_the_snapshot_count_once_postgres(first_capture, table, key):
    _, src, trino = first_capture
    _assert_same(table, *_latest_postgres(src, trino, table, key))
    # The snapshot's rows sit before every streamed change, after every change they already contain.
    cur = trino.cursor()
    cur.execute(f"SELECT max(_source_lsn) FILTER (WHERE _op = 'r'), min(_source_lsn) FILTER (WHERE _op <> 'r') "
                f"FROM bronze.core_{table}")  # fmt: skip
    bulk, first_streamed = cur.fetchone()
    assert bulk < first_streamed


def test_changes_made_during_the_snapshot_count_once_mariadb(first_capture):
    _, src, trino = first_capture
    conn = src.acquiring()
    with conn, conn.cursor() as cur:
        cur.execute("SELECT * FROM pos_transactions")
        columns = [d[0] for d in cur.description]
        expected = Counter(tuple(_norm(v) for v in row) for row in cur.fetchall())
    order = ("CAST(regexp_extract(_source_file, '([0-9]+)$', 1) AS bigint) DESC, _source_pos DESC, "
             "coalesce(_source_row, 0) DESC, _kafka_offset DESC")  # fmt: skip
    got = _latest(trino, "acquiring_pos_transactions", "pos_tx_id", columns, order)
    _assert_same("pos_transactions", expected, got)
