"""Change data capture: the real-time Kafka feed the risk team consumes and the bronze change log in Iceberg."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import requests
from confluent_kafka import Producer
from psycopg.types.json import Jsonb

from pororoca_cdc import feed, lag
from pororoca_core import lakehouse
from pororoca_core.paths import Paths
from pororoca_sources.connections import Sources
from pororoca_stack.supervisor import Supervisor

from .conftest import pororoca

pytestmark = pytest.mark.integration

CONNECTORS = ("acquiring-mariadb", "bronze-acquiring", "bronze-core", "core-postgres")


@dataclass(frozen=True)
class Capture:
    """The stack as the capture tests use it, after a first `cdc apply` over a freshly loaded data set."""

    first_apply: str  # what that `cdc apply` printed
    src: Sources
    kafka: dict[str, str]
    connect: str
    connect_auth: tuple[str, str]
    trino: Any
    paths: Paths


@pytest.fixture(scope="module")
def cdc(paths) -> Iterator[Capture]:
    pororoca("sources", "load", "--scale", "0.02", "--seed", "42", "--as-of", "2026-11-22", "--reset")
    first = pororoca("cdc", "apply").stdout
    ep = lakehouse.Endpoints.of(paths)
    # The initial snapshot has reached every table these tests write to.
    feed.wait_for_topics(
        ep.kafka,
        ["core.public.devices", "core.public.pix_transfers", "acquiring.acquiring.terminals"],
    )
    yield Capture(first, Sources.of(paths), ep.kafka, ep.connect_url, ep.connect_auth,
                  lakehouse.trino_connection(ep), paths)  # fmt: skip
    for name in CONNECTORS:  # later test modules reload the sources: stop capturing first
        requests.delete(f"{ep.connect_url}/connectors/{name}", auth=ep.connect_auth, timeout=30)


def _changes_for(cdc, topic: str, key: str, value, start: int, expected: int) -> list[feed.Change]:
    def ours(changes):
        return [c for c in changes if (c.after or c.before or {}).get(key) == value]

    changes = feed.read(cdc.kafka, topic, timeout=90, start_offset=start, until=lambda cs: len(ours(cs)) >= expected)
    return ours(changes)


def _device_lifecycle(cdc, platform: str, model: str) -> int:
    """Three source transactions on one device: registered untrusted, trusted, deleted. Returns its id."""
    with cdc.src.core() as conn:
        (device_id,) = conn.execute(
            "INSERT INTO devices (customer_id, platform, model, fingerprint, registered_at, trusted) "
            "VALUES (1, %s, %s, gen_random_uuid(), now(), false) RETURNING device_id",
            (platform, model),
        ).fetchone()
        conn.commit()
        conn.execute("UPDATE devices SET trusted = true WHERE device_id = %s", (device_id,))
        conn.commit()
        conn.execute("DELETE FROM devices WHERE device_id = %s", (device_id,))
        conn.commit()
    return device_id


def test_apply_creates_then_changes_nothing(cdc):
    for name in CONNECTORS:
        assert f"{name}" in cdc.first_apply and "RUNNING" in cdc.first_apply
    again = pororoca("cdc", "apply").stdout
    for name in CONNECTORS:
        assert re.search(rf"^\s+{name}\s+unchanged\s+RUNNING$", again, re.M), again
    assert re.search(r"bronze and stream tables: \d+ unchanged$", again, re.M), again  # no table created or altered
    assert "retention of" not in again  # every change topic already keeps its connector's retention
    assert pororoca("cdc", "status").returncode == 0


def test_change_topics_keep_personal_data_three_days(cdc):
    from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

    admin = AdminClient({**cdc.kafka, "log_level": 2})
    topics = [t for t in admin.list_topics(timeout=10).topics if t.startswith(("core.", "acquiring."))]
    assert "core.public.customers" in topics
    configs = admin.describe_configs([ConfigResource(ResourceType.TOPIC, t) for t in topics])
    retention = {r.name: f.result()["retention.ms"].value for r, f in configs.items()}
    assert set(retention.values()) == {str(3 * 86_400_000)}, retention


def test_every_captured_table_has_its_change_topic_before_its_first_change(cdc, paths):
    """So the sinks' pattern subscription never grows mid-run (a rebalance stalls their commits for minutes)."""
    from confluent_kafka.admin import AdminClient

    catalog = lakehouse.iceberg_catalog(lakehouse.Endpoints.of(paths), "contracts")
    wanted = {
        catalog.load_table(("bronze", name)).properties["pororoca.source-topic"]
        for _, name in catalog.list_tables("bronze")
        if name.startswith(("core_", "acquiring_"))
    }
    assert "core.public.renegotiations" in wanted  # a table the demo's workload writes late, if at all
    topics = AdminClient({**cdc.kafka, "log_level": 2}).list_topics(timeout=10).topics
    assert wanted <= set(topics), sorted(wanted - set(topics))
    # Created with the connector's settings, as Debezium would have (retention: the test above).
    assert all(len(topics[t].partitions) == 1 for t in wanted)


def test_connector_configs_hold_no_secrets(cdc):
    for name in CONNECTORS:
        config = requests.get(f"{cdc.connect}/connectors/{name}/config", auth=cdc.connect_auth, timeout=10).json()
        secrets = {k: v for k, v in config.items() if "password" in k or "secret" in k or "access-key" in k}
        assert secrets and all(v.startswith("${env:") for v in secrets.values()), name
        jaas = [v for k, v in config.items() if k.endswith("sasl.jaas.config")]  # Kafka identities
        assert jaas and all('password="${env:POROROCA_KAFKA_' in v for v in jaas), name


def test_postgres_insert_update_delete_arrive_in_order_with_the_deleted_row(cdc):
    start = feed.end_offset(cdc.kafka, "core.public.devices")
    device_id = _device_lifecycle(cdc, "ios", "iPhone 15")
    changes = _changes_for(cdc, "core.public.devices", "device_id", device_id, start, 3)
    assert [c.op for c in changes] == ["c", "u", "d"]
    lsns = [c.source["lsn"] for c in changes]
    assert lsns == sorted(lsns) and len(set(lsns)) == 3
    assert changes[1].after["trusted"] is True
    assert changes[2].after is None and changes[2].before["model"] == "iPhone 15"  # REPLICA IDENTITY FULL
    assert changes[0].key == {"device_id": device_id}


def test_decimals_stay_exact_and_timestamps_are_utc(cdc):
    start = feed.end_offset(cdc.kafka, "core.public.pix_transfers")
    at = datetime(2026, 11, 22, 15, 4, 5, 123456, tzinfo=UTC)
    with cdc.src.core() as conn:
        (tid,) = conn.execute(
            "INSERT INTO pix_transfers (end_to_end_id, payer_account_id, payee_key, payee_ispb, amount, created_at, "
            "channel, status) VALUES (%s, 1, 'chave@exemplo.com.br', '60701190', %s, %s, 'app', 'completed') "
            "RETURNING transfer_id",
            (f"E{os.urandom(15).hex()}"[:32], Decimal("12345678.91"), at),
        ).fetchone()
        conn.commit()
    (change,) = _changes_for(cdc, "core.public.pix_transfers", "transfer_id", tid, start, 1)
    assert change.after["amount"] == Decimal("12345678.91")
    assert change.after["created_at"] == "2026-11-22T15:04:05.123456Z"


def test_mariadb_updates_arrive_with_their_binlog_position_and_gtid(cdc):
    start = feed.end_offset(cdc.kafka, "acquiring.acquiring.terminals")
    conn = cdc.src.acquiring()
    with conn, conn.cursor() as cur:
        cur.execute("SELECT terminal_id, status FROM terminals ORDER BY terminal_id LIMIT 1")
        terminal_id, status = cur.fetchone()
        flipped = "inactive" if status == "active" else "active"
        cur.execute("UPDATE terminals SET status = %s, updated_at = UTC_TIMESTAMP(6) WHERE terminal_id = %s",
                    (flipped, terminal_id))  # fmt: skip
        conn.commit()
    changes = [c for c in _changes_for(cdc, "acquiring.acquiring.terminals", "terminal_id", terminal_id, start, 1)
               if c.op == "u"]  # fmt: skip
    assert changes and changes[0].before["status"] == status and changes[0].after["status"] == flipped
    assert changes[0].source["gtid"] and changes[0].source["file"].startswith("binlog.")


# --- bronze: the change log in Iceberg, read back through Trino ------------------------------------------


def _poll(cdc, sql: str, params: tuple = (), until=bool, timeout: float = 180) -> list[tuple]:
    """Rows of `sql` once `until(rows)` holds: the sink commits every few seconds, so wait with a deadline."""
    deadline = time.monotonic() + timeout
    cur = cdc.trino.cursor()
    rows: list[tuple] = []
    while time.monotonic() < deadline:
        cur.execute(sql, params)
        rows = [tuple(r) for r in cur.fetchall()]
        if until(rows):
            return rows
        time.sleep(2)
    raise AssertionError(f"not in bronze within {timeout:.0f}s: {sql} {params} -> {rows[:5]}")


PROBE_DDL = """
CREATE TABLE IF NOT EXISTS cdc_type_probe (
    probe_id bigint PRIMARY KEY, amount numeric(18, 2), ratio numeric(8, 6), at timestamptz, day date,
    flag boolean, ref uuid, doc json, docb jsonb, raw bytea, label text, big text
);
ALTER TABLE cdc_type_probe REPLICA IDENTITY FULL;
"""


@pytest.fixture(scope="module")
def probe(cdc):
    """A table added to the core source while CDC runs: `cdc apply` publishes it and creates its bronze table."""
    with cdc.src.core() as conn:
        conn.execute(PROBE_DDL)
        conn.commit()
    applied = pororoca("cdc", "apply").stdout
    assert "bronze.core_cdc_type_probe" in applied and "created" in applied, applied
    return cdc


def test_postgres_changes_land_in_bronze_in_order_with_position_and_transaction(cdc):
    device_id = _device_lifecycle(cdc, "android", "Moto G")
    rows = _poll(
        cdc,
        "SELECT _op, trusted, model, _source_lsn, _source_tx_id, _kafka_offset, _source_ts, _captured_at "
        "FROM bronze.core_devices WHERE device_id = ? ORDER BY _source_lsn",
        (device_id,),
        until=lambda r: len(r) >= 3,
    )
    assert [r[0] for r in rows] == ["c", "u", "d"]
    assert [r[1] for r in rows] == [False, True, True]  # the delete carries the old row (REPLICA IDENTITY FULL)
    assert rows[2][2] == "Moto G"
    assert [r[5] for r in rows] == sorted(r[5] for r in rows)  # Kafka order is source order
    assert len({r[4] for r in rows}) == 3  # three source transactions
    assert all(r[6] <= r[7] for r in rows)  # committed before captured, both UTC timestamps


def test_mariadb_changes_land_in_bronze_with_binlog_position_and_gtid(cdc):
    conn = cdc.src.acquiring()
    with conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO merchants (cnpj, legal_name, trade_name, mcc, category, city, uf, created_at, status, "
            "updated_at) VALUES (%s, 'Padaria Pão de Açúcar 🍞 Ltda', 'Pão & Cia', '5462', 'Padarias', 'São Paulo', "
            "'SP', '2026-11-22 15:04:05.123456', 'active', UTC_TIMESTAMP(6))",
            (f"{int.from_bytes(os.urandom(6)):014d}"[:14],),
        )
        merchant_id = cur.lastrowid
        conn.commit()
        cur.execute("UPDATE merchants SET status = 'suspended' WHERE merchant_id = %s", (merchant_id,))
        conn.commit()
        cur.execute("DELETE FROM merchants WHERE merchant_id = %s", (merchant_id,))
        conn.commit()
    rows = _poll(
        cdc,
        "SELECT _op, status, legal_name, created_at, _source_file, _source_pos, _source_row, _source_gtid "
        "FROM bronze.acquiring_merchants WHERE merchant_id = ? ORDER BY _kafka_offset",
        (merchant_id,),
        until=lambda r: len(r) >= 3,
    )
    assert [r[0] for r in rows] == ["c", "u", "d"]
    assert [r[1] for r in rows] == ["active", "suspended", "suspended"]
    assert rows[0][2] == "Padaria Pão de Açúcar 🍞 Ltda"
    assert rows[0][3] == datetime(2026, 11, 22, 15, 4, 5, 123456, tzinfo=UTC)
    positions = [(r[4], r[5], r[6]) for r in rows]
    assert positions == sorted(positions) and len(set(positions)) == 3
    assert len({r[7] for r in rows}) == 3 and all(r[7] for r in rows)


def test_types_survive_capture_exactly(probe):
    big = os.urandom(60_000).hex()  # 120 kB: stored out of line (TOAST)
    ref = uuid.uuid4()
    with probe.src.core() as conn:
        conn.execute(
            "INSERT INTO cdc_type_probe VALUES (1, %s, %s, %s, %s, true, %s, %s, %s, %s, %s, %s), "
            "(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
            (
                Decimal("-12345678.91"), Decimal("0.018000"), datetime(2026, 11, 22, 15, 4, 5, 123456, tzinfo=UTC),
                date(2024, 2, 29), ref, '{"a": 1, "ç": "ã"}', Jsonb({"b": [1, 2.5, None], "é": "🚀"}),
                b"\x00\x01\xfe\xff", "São Paulo — ação 🚀 naïve", big,
            ),
        )  # fmt: skip
        conn.commit()
        conn.execute("UPDATE cdc_type_probe SET flag = false WHERE probe_id = 1")  # leaves the TOASTed value alone
        conn.commit()
    rows = _poll(
        probe,
        "SELECT probe_id, _op, amount, ratio, at, day, flag, CAST(ref AS varchar), doc, docb, raw, label, big "
        "FROM bronze.core_cdc_type_probe WHERE probe_id IN (1, 2) ORDER BY _source_lsn",
        until=lambda r: len(r) >= 3,
    )
    first, null_row, update = rows
    assert first[1:12] == (
        "c", Decimal("-12345678.91"), Decimal("0.018000"), datetime(2026, 11, 22, 15, 4, 5, 123456, tzinfo=UTC),
        date(2024, 2, 29), True, str(ref), '{"a": 1, "ç": "ã"}', first[9], b"\x00\x01\xfe\xff",
        "São Paulo — ação 🚀 naïve",
    )  # fmt: skip
    assert json.loads(first[9]) == {"b": [1, 2.5, None], "é": "🚀"}
    assert first[12] == big
    assert null_row[0] == 2 and all(v is None for v in null_row[2:])
    assert update[1] == "u" and update[6] is False
    assert update[12] == big  # REPLICA IDENTITY FULL: the unchanged TOASTed value is not a placeholder


def test_a_source_transaction_of_50000_rows_arrives_whole(probe):
    with probe.src.core() as conn:
        conn.execute(
            "INSERT INTO cdc_type_probe (probe_id, label) SELECT g, 'bulk' FROM generate_series(100000, 149999) g"
        )
        conn.commit()
    rows = _poll(
        probe,
        "SELECT count(*), count(DISTINCT probe_id), count(DISTINCT _source_tx_id), min(_op), max(_op) "
        "FROM bronze.core_cdc_type_probe WHERE probe_id BETWEEN 100000 AND 149999",
        until=lambda r: r[0][0] >= 50_000,
        timeout=300,
    )
    assert rows == [(50_000, 50_000, 1, "c", "c")]


def test_a_column_added_at_the_source_appears_in_bronze(probe):
    with probe.src.core() as conn:
        conn.execute("ALTER TABLE cdc_type_probe ADD COLUMN IF NOT EXISTS channel text")
        conn.execute("INSERT INTO cdc_type_probe (probe_id, channel) VALUES (3, 'pix-qr')")
        conn.commit()

    def has_channel(_rows):
        cur = probe.trino.cursor()
        cur.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'bronze' "
                    "AND table_name = 'core_cdc_type_probe' AND column_name = 'channel'")  # fmt: skip
        return bool(cur.fetchall())

    _poll(probe, "SELECT 1", until=has_channel)
    rows = _poll(probe, "SELECT channel FROM bronze.core_cdc_type_probe WHERE probe_id = 3", until=bool)
    assert rows == [("pix-qr",)]


def test_undecodable_records_go_to_the_dead_letter_topic_are_counted_and_can_be_replayed(probe):
    producer = Producer(probe.kafka)
    producer.produce("core.public.cdc_type_probe", key=b"{not json", value=b"\x00garbage")
    assert producer.flush(30) == 0
    with probe.src.core() as conn:  # the sink keeps going after the bad record
        conn.execute("INSERT INTO cdc_type_probe (probe_id, label) VALUES (4, 'after the poison')")
        conn.commit()
    _poll(probe, "SELECT label FROM bronze.core_cdc_type_probe WHERE probe_id = 4", until=bool)

    def dead(until):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            d = lag.dead_letters(probe.kafka, "_dlq.bronze-core")
            if until(d):
                return d
            time.sleep(1)
        raise AssertionError(f"dead letters: {d}")

    assert dead(lambda d: d.total >= 1).pending == 1
    status = pororoca("cdc", "status", check=False)
    assert status.returncode == 3 and "dead letters: 1 (1 not replayed)" in status.stdout, status.stdout
    replayed = pororoca("cdc", "replay-dlq", "--connector", "bronze-core").stdout
    assert "replayed 1 records (core.public.cdc_type_probe: 1)" in replayed, replayed
    # Still undecodable: it comes back as a new dead letter, and only that one waits for a replay.
    after = dead(lambda d: d.total >= 2)
    assert after.pending == 1


def _load_in_background(probe, ids: range, label: str, batch: int) -> tuple[threading.Thread, threading.Event]:
    """Insert `ids` into the probe table in source transactions of `batch` rows, on a thread; the event is set
    when the last one committed."""
    loaded = threading.Event()

    def load():
        with probe.src.core() as conn:
            for start in range(ids.start, ids.stop, batch):
                conn.execute(
                    "INSERT INTO cdc_type_probe (probe_id, label) SELECT g, %s FROM generate_series(%s, %s) g",
                    (label, start, min(start + batch, ids.stop) - 1),
                )
                conn.commit()
        loaded.set()

    writer = threading.Thread(target=load)
    writer.start()
    return writer, loaded


def test_kill_9_of_connect_mid_load_loses_nothing_and_repeats_keep_their_position(probe):
    ids = range(200_000, 260_000)
    topic = "core.public.cdc_type_probe"
    before = feed.end_offset(probe.kafka, topic)
    writer, loaded = _load_in_background(probe, ids, "crash", batch=500)
    deadline = time.monotonic() + 120
    while feed.end_offset(probe.kafka, topic) == before and time.monotonic() < deadline:
        time.sleep(0.05)  # kill as soon as Debezium streams the load: source and sink are both mid-flight
    pid = Supervisor(probe.paths).all_info()["connect"]["pid"]
    os.kill(pid, signal.SIGKILL)
    writer.join(timeout=300)
    assert loaded.is_set()
    pororoca("up")
    rows = _poll(
        probe,
        "SELECT count(DISTINCT probe_id), count(*) FROM bronze.core_cdc_type_probe WHERE label = 'crash'",
        until=lambda r: r[0][0] >= len(ids),
        timeout=400,
    )
    assert rows[0][0] == len(ids)
    repeats = _poll(
        probe,
        "SELECT probe_id, count(*), count(DISTINCT _source_lsn), count(DISTINCT _source_tx_id) "
        "FROM bronze.core_cdc_type_probe WHERE label = 'crash' GROUP BY probe_id HAVING count(*) > 1",
        until=lambda r: True,
    )
    assert all(n_lsn == 1 and n_tx == 1 for _, _, n_lsn, n_tx in repeats), repeats[:5]
    print(f"kill -9: {rows[0][1] - len(ids)} repeated change events, all with their original source position")


def test_the_sink_and_maintenance_commit_to_one_table_at_once_and_lose_no_commit(probe, lake_spark):
    """Compaction, manifest rewrites and expiry of a bronze table while the sink keeps appending to it: Iceberg's
    optimistic commits through the catalog retry or fail whole, so every change lands exactly once."""
    from pororoca_spark import maintain

    table = "bronze.core_cdc_type_probe"
    ids = range(400_000, 430_000)
    writer, done = _load_in_background(probe, ids, "busy", batch=250)
    count = f"SELECT count(DISTINCT probe_id) FROM {table} WHERE label = 'busy'"
    reports = []
    plan = maintain.Plan(maintain.Retention(0.0), orphan_retention_hours=72.0)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:  # maintain again and again until the sink has committed everything
        reports.append(maintain.maintain_table(lake_spark, table, (), plan))
        if done.is_set() and _poll(probe, count, until=lambda r: True)[0][0] >= len(ids):
            break
    writer.join(timeout=300)
    assert all(not step.startswith("gave up") for r in reports for step in r.steps.values()), reports
    rows = _poll(
        probe,
        "SELECT count(DISTINCT probe_id), count(*) FROM bronze.core_cdc_type_probe WHERE label = 'busy'",
        until=lambda r: r[0][0] >= len(ids),
        timeout=400,
    )
    assert rows == [(len(ids), len(ids))]  # nothing lost, nothing twice
    operations = _poll(
        probe,
        'SELECT DISTINCT operation FROM bronze."core_cdc_type_probe$snapshots"',
        until=lambda r: {("append",), ("replace",)} <= set(r),
    )
    assert {("append",), ("replace",)} <= set(operations)  # the sink's and maintenance's commits, interleaved
    print(f"concurrent commits: {len(reports)} maintenance passes while the sink appended {len(ids)} changes")
