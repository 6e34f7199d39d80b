"""Silver in near real time: the streaming DAG's run keeps one Spark engine up and merges what the sources change
while it runs, with no curation started by anyone, to exactly the silver a batch curation makes; Airflow shows
its rounds and the control table its totals."""

from __future__ import annotations

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
MINUTES_VARIABLE = "pororoca_stream_minutes"
MINUTES = 4  # Airflow and Spark start, a first round, the workload, its capture and merge, with room


@dataclass(frozen=True)
class Lake:
    src: Sources
    trino: Any
    key: str


def _matches(lake: Lake, table: entities.SilverTable) -> bool:
    try:
        assert_silver_matches_source(lake, table)
    except (AssertionError, KeyError):
        return False
    return True


def _started(af: Airflow, before: set[str]) -> str | None:
    return next((r["dag_run_id"] for r in af.runs(STREAM) if r["dag_run_id"] not in before and r["state"] == "running"),
                None)  # fmt: skip


@pytest.fixture(scope="module")
def streamed(paths):
    """A run of the streaming DAG, started on its own (no curation by the test), while the sources change."""
    ensure_gold(paths)  # a captured, curated lake
    src = Sources.of(paths)
    trino = lakehouse.trino_connection(lakehouse.Endpoints.of(paths))
    lake = Lake(src, trino, credentials.load(paths.credentials)["pseudonymisation_key"])
    pororoca("cdc", "wait", "--timeout", "600", timeout=700)  # what earlier modules changed is in bronze
    af = Airflow.connect(paths)
    af.wait_for_dag(STREAM)
    before = {r["dag_run_id"] for r in af.runs(STREAM)}
    af.set_variable(MINUTES_VARIABLE, str(MINUTES))  # short runs, so that this one ends within the test
    af.set_paused(STREAM, False)  # @continuous: the scheduler starts a run at once
    try:
        run_id = poll(lambda: _started(af, before), 180, f"a {STREAM} run to start", 1)
        poll(lambda: "round 1:" in af.task_log(STREAM, run_id, "follow"), 240, "the follower's first round", 2)
    finally:
        af.set_paused(STREAM, True)  # this run goes on; none after it
        af.delete_variable(MINUTES_VARIABLE)
    # Silver as its first round left it: the tables that equal their source now (modules before may have left
    # others apart on purpose) must equal it again once the streamed changes are merged.
    tables = [t for t in entities.load() if t.name in BUSY and _matches(lake, t)]
    assert {"silver.pix_transfers", "silver.pos_transactions"} <= {t.name for t in tables}, [t.name for t in tables]
    workload = subprocess.run([CLI, "sources", "simulate", "--rate", "300", "--duration", "30", "--seed", "31"],
                              capture_output=True, text=True, timeout=300, env=os.environ.copy())  # fmt: skip
    assert workload.returncode == 0, workload.stderr
    with src.core() as conn:
        (newest,) = conn.execute("SELECT max(transfer_id) FROM pix_transfers").fetchone()
    changed_at = time.monotonic()
    cur = trino.cursor()

    def newest_in_silver() -> bool:
        cur.execute("SELECT count(*) FROM silver.pix_transfers WHERE transfer_id = ?", [newest])
        return cur.fetchone()[0] == 1

    poll(newest_in_silver, 150, "the newest transfer in silver", 2)
    seen_after = time.monotonic() - changed_at
    poll(lambda: all(_matches(lake, t) for t in tables), 150, "silver = sources for the changed tables", 5)
    run = poll(lambda: (r := af.run(STREAM, run_id))["state"] in ("success", "failed") and r, MINUTES * 60 + 300,
               f"{STREAM} {run_id} to end", 5)  # fmt: skip
    return run, af.task_log(STREAM, run_id, "follow"), run_id, lake, tables, seen_after


def test_the_streaming_run_merges_live_changes_into_silver_within_minutes(streamed):
    run, log, _, _, _, seen_after = streamed
    assert run["state"] == "success", log[-3000:]
    assert seen_after < 150  # the transfer committed last reached silver without any curation being started


def test_streamed_silver_is_what_a_batch_curation_makes(streamed):
    _, _, _, lake, tables, _ = streamed
    for t in tables:
        assert_silver_matches_source(lake, t)
    # A batch round afterwards finds nothing left to merge in those tables.
    out = pororoca("curate", "--tables", ",".join(t.name for t in tables)).stdout
    assert "curate: 0 changes read, 0 merged" in out, out


def test_airflow_shows_the_rounds_and_the_control_table_the_totals(streamed):
    _, log, run_id, lake, _, _ = streamed
    assert "curate: following bronze for 4 min" in log
    rounds = [line for line in log.splitlines() if "round " in line and "changes read" in line]
    assert len(rounds) >= 2, log[-3000:]  # the first round, and at least one with the workload's changes
    cur = lake.trino.cursor()
    cur.execute("SELECT table_name, rows_read, detail FROM gold.pipeline_runs WHERE run_id = ? AND job = 'curate'",
                [run_id])  # fmt: skip
    rows = {t: (read, detail) for t, read, detail in cur.fetchall()}
    assert "silver.pix_transfers" in rows and rows["silver.pix_transfers"][0] > 0
    assert all(detail.startswith("follow: ") for _, detail in rows.values())
