"""Change data capture into Kafka: the real-time feed the risk team consumes (bronze comes next)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests

from pororoca import lakehouse
from pororoca_cdc import feed
from pororoca_sources.connections import Sources

from .conftest import pororoca

pytestmark = pytest.mark.integration

CONNECTORS = ("acquiring-mariadb", "core-postgres")


@pytest.fixture(scope="module")
def cdc(paths):
    pororoca("sources", "load", "--scale", "0.02", "--seed", "42", "--as-of", "2026-11-22", "--reset")
    first = pororoca("cdc", "apply").stdout
    ep = lakehouse.Endpoints.of(paths)
    # The initial snapshot has reached every table these tests write to.
    feed.wait_for_topics(
        ep.kafka_bootstrap,
        ["core.public.devices", "core.public.pix_transfers", "acquiring.acquiring.terminals"],
    )
    yield {"first_apply": first, "src": Sources.of(paths), "kafka": ep.kafka_bootstrap, "connect": ep.connect_url}
    for name in CONNECTORS:  # later test modules reload the sources: stop capturing first
        requests.delete(f"{ep.connect_url}/connectors/{name}", timeout=30)


def _changes_for(cdc, topic: str, key: str, value, start: int, expected: int) -> list[feed.Change]:
    def ours(changes):
        return [c for c in changes if (c.after or c.before or {}).get(key) == value]

    changes = feed.read(cdc["kafka"], topic, timeout=90, start_offset=start, until=lambda cs: len(ours(cs)) >= expected)
    return ours(changes)


def test_apply_creates_then_changes_nothing(cdc):
    for name in CONNECTORS:
        assert f"{name}" in cdc["first_apply"] and "RUNNING" in cdc["first_apply"]
    again = pororoca("cdc", "apply").stdout
    assert again.count("unchanged") == len(CONNECTORS), again
    assert pororoca("cdc", "status").returncode == 0


def test_connector_configs_hold_no_secrets(cdc):
    for name in CONNECTORS:
        config = requests.get(f"{cdc['connect']}/connectors/{name}/config", timeout=10).json()
        assert config["database.password"].startswith("${env:"), name


def test_postgres_insert_update_delete_arrive_in_order_with_the_deleted_row(cdc):
    start = feed.end_offset(cdc["kafka"], "core.public.devices")
    with cdc["src"].core() as conn:
        (device_id,) = conn.execute(
            "INSERT INTO devices (customer_id, platform, model, fingerprint, registered_at, trusted) "
            "VALUES (1, 'ios', 'iPhone 15', gen_random_uuid(), now(), false) RETURNING device_id"
        ).fetchone()
        conn.commit()
        conn.execute("UPDATE devices SET trusted = true WHERE device_id = %s", (device_id,))
        conn.commit()
        conn.execute("DELETE FROM devices WHERE device_id = %s", (device_id,))
        conn.commit()
    changes = _changes_for(cdc, "core.public.devices", "device_id", device_id, start, 3)
    assert [c.op for c in changes] == ["c", "u", "d"]
    lsns = [c.source["lsn"] for c in changes]
    assert lsns == sorted(lsns) and len(set(lsns)) == 3
    assert changes[1].after["trusted"] is True
    assert changes[2].after is None and changes[2].before["model"] == "iPhone 15"  # REPLICA IDENTITY FULL
    assert changes[0].key == {"device_id": device_id}


def test_decimals_stay_exact_and_timestamps_are_utc(cdc):
    start = feed.end_offset(cdc["kafka"], "core.public.pix_transfers")
    at = datetime(2026, 11, 22, 15, 4, 5, 123456, tzinfo=UTC)
    with cdc["src"].core() as conn:
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
    start = feed.end_offset(cdc["kafka"], "acquiring.acquiring.terminals")
    conn = cdc["src"].acquiring()
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
