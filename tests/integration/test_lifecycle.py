"""The life cycle promises: `up` is idempotent, `down` + `up` keeps data, a dead service is reported,
a busy port is named. Runs last in the session: it stops and restarts services."""

from __future__ import annotations

import os
import signal
import socket

import pyarrow as pa
import pytest

from pororoca_core import lakehouse
from pororoca_stack import stack
from pororoca_stack.supervisor import Supervisor

from .conftest import poll, pororoca

pytestmark = pytest.mark.integration


def _pids(paths) -> dict[str, int]:
    return {n: i["pid"] for n, i in Supervisor(paths).all_info().items()}


def test_status_lists_every_service_healthy_with_pid_and_memory(paths):
    out = pororoca("status").stdout
    for name in ("postgres", "mariadb", "minio", "kafka", "connect", "trino"):
        line = next(ln for ln in out.splitlines() if ln.startswith(name))
        assert "RUNNING" in line and "healthy" in line and "UNHEALTHY" not in line, line
    rows = stack.status(paths)
    small = [(r.service, r.state, r.pid, round(r.rss_mb, 1)) for r in rows if r.pid <= 0 or r.rss_mb <= 10]
    assert not small, small


def test_up_twice_changes_nothing(paths):
    before = _pids(paths)
    out = pororoca("up").stdout
    assert _pids(paths) == before
    assert out.count("already running") == len(before)


def test_down_then_up_keeps_tables_and_snapshots(paths):
    ep = lakehouse.Endpoints.of(paths)
    catalog = lakehouse.iceberg_catalog(ep, "contracts")
    catalog.create_namespace_if_not_exists("it_lifecycle")
    schema = pa.schema([("n", pa.int64())])
    if catalog.table_exists("it_lifecycle.kept"):
        catalog.drop_table("it_lifecycle.kept")
    table = catalog.create_table("it_lifecycle.kept", schema=schema)
    table.append(pa.table({"n": [1]}, schema=schema))
    table.append(pa.table({"n": [2]}, schema=schema))
    history = [s.snapshot_id for s in catalog.load_table("it_lifecycle.kept").snapshots()]
    assert len(history) == 2

    down = pororoca("down")
    assert "down: stopped" in down.stdout
    assert not Supervisor(paths).is_running()
    pororoca("up")

    reloaded = lakehouse.iceberg_catalog(ep, "contracts").load_table("it_lifecycle.kept")
    assert [s.snapshot_id for s in reloaded.snapshots()] == history
    assert reloaded.current_snapshot().snapshot_id == history[-1]
    with lakehouse.trino_connection(ep) as conn:
        cur = conn.cursor()
        cur.execute("SELECT sum(n) FROM lakehouse.it_lifecycle.kept")
        assert cur.fetchone() == [3]


def test_a_killed_service_is_reported_unhealthy_and_up_heals_it(paths):
    victim = "minio"
    os.kill(_pids(paths)[victim], signal.SIGKILL)
    poll(
        lambda: any(r.service == victim and not r.healthy and r.state != "RUNNING" for r in stack.status(paths)),
        30,
        f"{victim} to be reported dead and unhealthy",
    )
    assert pororoca("status", check=False).returncode == 3
    pororoca("up")
    rows = stack.status(paths)
    assert all(r.healthy for r in rows), [r for r in rows if not r.healthy]


def test_a_busy_port_names_the_setting_to_change(paths):
    Supervisor(paths).stop("trino")
    port = int(os.environ["POROROCA_TRINO_PORT"])
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        result = pororoca("up", check=False)
    assert result.returncode == 1
    assert f"port 127.0.0.1:{port} is already in use" in result.stderr
    assert "POROROCA_TRINO_PORT" in result.stderr
    pororoca("up")
    rows = stack.status(paths)
    assert all(r.healthy for r in rows), [r for r in rows if not r.healthy]
