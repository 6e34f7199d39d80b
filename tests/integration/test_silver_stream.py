"""Silver in near real time: the streaming DAG's run keeps one Spark engine up and merges what the sources change
while it runs, with no curation started by anyone, exactly as a batch curation would; Airflow shows its rounds
and the control table its totals."""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from typing import Any

import pytest

from pororoca_core import credentials, lakehouse
from pororoca_sources.connections import Sources
from pororoca_spark import entities
from pororoca_stack.airflow import Airflow
from pororoca_stack.pipeline import STREAM

from .conftest import CLI, ensure_gold, poll, pororoca
from .test_curation import assert_silver_matches_source

pytestmark = pytest.mark.integration

BUSY = ("silver.pix_transfers", "silver.devices", "silver.auth_events", "silver.installments",
        "silver.pos_transactions", "silver.transaction_limits")  # fmt: skip
# Rows the workload creates, in a Pix table and a MariaDB one: no module before touched them.
NEW_ROWS = {"silver.pix_transfers": "transfer_id", "silver.pos_transactions": "pos_tx_id"}
MINUTES_VARIABLE = "pororoca_stream_minutes"
MINUTES = 5  # Airflow and Spark start, a first round (with what earlier modules left), the workload, its merge


@dataclass(frozen=True)
class Lake:
    src: Sources
    trino: Any
    key: str


def _started(af: Airflow, before: set[str]) -> str | None:
    return next((r["dag_run_id"] for r in af.runs(STREAM) if r["dag_run_id"] not in before and r["state"] == "running"),
                None)  # fmt: skip


def _newest(lake: Lake) -> dict[str, int]:
    with lake.src.core() as conn:
        (pix,) = conn.execute("SELECT coalesce(max(transfer_id), 0) FROM pix_transfers").fetchone()
    conn = lake.src.acquiring()
    with conn, conn.cursor() as cur:
        cur.execute("SELECT coalesce(max(pos_tx_id), 0) FROM pos_transactions")
        (pos,) = cur.fetchone()
    return {"silver.pix_transfers": int(pix), "silver.pos_transactions": int(pos)}


def _caught_up(lake: Lake, table: entities.SilverTable) -> bool:
    """Silver's watermark (in its newest commit that carries one) is at bronze's last offset in every partition."""
    cur = lake.trino.cursor()
    ns, name = table.name.split(".")
    # Trino's map subscript fails on a missing key (commits without a watermark): element_at gives NULL.
    wm = "element_at(summary, 'pororoca.watermark')"
    cur.execute(f'SELECT {wm} FROM {ns}."{name}$snapshots" WHERE {wm} IS NOT NULL ORDER BY committed_at DESC LIMIT 1')
    rows = cur.fetchall()
    merged = {int(p): o for p, o in json.loads(rows[0][0]).items()} if rows else {}
    cur.execute(f"SELECT _kafka_partition, max(_kafka_offset) FROM {table.source} GROUP BY 1")
    return all(merged.get(int(p), -2) >= o for p, o in cur.fetchall())


@pytest.fixture(scope="module")
def streamed(paths):
    """A run of the streaming DAG, started on its own (no curation by the test), while the sources change."""
    ensure_gold(paths)  # a captured, curated lake
    lake = Lake(Sources.of(paths), lakehouse.trino_connection(lakehouse.Endpoints.of(paths)),
                credentials.load(paths.credentials)["pseudonymisation_key"])  # fmt: skip
    tables = [t for t in entities.load() if t.name in BUSY]
    af = Airflow.connect(paths)
    af.wait_for_dag(STREAM)
    first = _newest(lake)
    before = {r["dag_run_id"] for r in af.runs(STREAM)}
    # Short runs, so that this one ends within the test. The task reads the Variable when it starts, which can be
    # after its run started: kept until the module ends.
    af.set_variable(MINUTES_VARIABLE, str(MINUTES))
    try:
        af.set_paused(STREAM, False)  # @continuous: the scheduler starts a run at once
        try:
            run_id = poll(lambda: _started(af, before), 180, f"a {STREAM} run to start", 1)
        finally:
            af.set_paused(STREAM, True)  # this run goes on; none after it
        workload = subprocess.run([CLI, "sources", "simulate", "--rate", "300", "--duration", "30", "--seed", "31"],
                                  capture_output=True, text=True, timeout=300, env=os.environ.copy())  # fmt: skip
        assert workload.returncode == 0, workload.stderr
        last = _newest(lake)
        assert all(last[t] > first[t] for t in NEW_ROWS), (first, last)  # the workload created rows in both
        changed_at = time.monotonic()
        cur = lake.trino.cursor()

        def newest_in_silver() -> bool:
            cur.execute(
                "SELECT count(*) FROM silver.pix_transfers WHERE transfer_id = ?", [last["silver.pix_transfers"]]
            )
            return cur.fetchone()[0] == 1

        # The engine's start and its first round (what earlier modules left included) count here too.
        poll(newest_in_silver, 240, "the newest transfer in silver", 2)
        seen_after = time.monotonic() - changed_at
        pororoca("cdc", "wait", "--timeout", "300", timeout=400)  # bronze holds every change the workload made
        poll(lambda: all(_caught_up(lake, t) for t in tables), 150, "silver to merge all of bronze", 3)
        run = poll(lambda: (r := af.run(STREAM, run_id))["state"] in ("success", "failed") and r, MINUTES * 60 + 300,
                   f"{STREAM} {run_id} to end", 5)  # fmt: skip
        yield run, af.task_log(STREAM, run_id, "follow"), run_id, lake, tables, first, seen_after
    finally:
        af.delete_variable(MINUTES_VARIABLE)


def test_the_streaming_run_merges_live_changes_into_silver_within_minutes(streamed):
    run, log, *_, seen_after = streamed
    assert run["state"] == "success", log[-3000:]
    assert seen_after < 240  # the transfer committed last reached silver without any curation being started


def test_streamed_silver_is_what_a_batch_curation_makes(streamed):
    _, _, _, lake, tables, first, _ = streamed
    for name, key in NEW_ROWS.items():  # every row the workload created, equal to the source's, tokens included
        table = next(t for t in entities.load() if t.name == name)
        assert_silver_matches_source(lake, table, where=f"{key} > {first[name]}")
    # A batch round afterwards finds nothing left to merge in the tables the workload changed.
    out = pororoca("curate", "--tables", ",".join(t.name for t in tables)).stdout
    assert "curate: 0 changes read, 0 merged" in out, out


def test_airflow_shows_the_rounds_and_the_control_table_the_totals(streamed):
    _, log, run_id, lake, *_ = streamed
    assert f"curate: following bronze for {MINUTES} min" in log
    rounds = [line for line in log.splitlines() if "round " in line and "changes read" in line]
    assert rounds, log[-3000:]
    cur = lake.trino.cursor()
    cur.execute("SELECT table_name, rows_read, detail FROM gold.pipeline_runs WHERE run_id = ? AND job = 'curate'",
                [run_id])  # fmt: skip
    rows = {t: (read, detail) for t, read, detail in cur.fetchall()}
    assert "silver.pix_transfers" in rows and rows["silver.pix_transfers"][0] > 0
    assert all(detail.startswith("follow: ") for _, detail in rows.values())
