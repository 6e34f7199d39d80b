"""Curation then the KPIs, once, through the local Airflow's scheduler: the KPI DAG runs on the silver asset
event curation emits, exactly as on the 15-minute schedule."""

from __future__ import annotations

import sys
import time

from pororoca_core import progress
from pororoca_core.errors import OperationFailed
from pororoca_core.paths import Paths
from pororoca_stack.airflow import Airflow

DAGS = ("pororoca_curate", "pororoca_kpis")
CURATE, KPIS = DAGS
# Turned on after the first pipeline (not with `pause`): silver then follows bronze continuously.
STREAM = "pororoca_curate_stream"

# How long the scheduler may take to create the run an unpause makes due (it does so on its next loop).
ADOPT_WITHIN_S = 60.0


def run(paths: Paths, timeout: float, pause: bool) -> None:
    """The DAGs stay unpaused afterwards (the schedule is the product) unless `pause`; then runs that the
    schedule queued meanwhile and that never started are deleted, so no curation runs after the command."""
    af = Airflow.connect(paths)
    for dag in DAGS:
        af.wait_for_dag(dag)
    before = {dag: {r["dag_run_id"] for r in af.runs(dag)} for dag in DAGS}
    due = af.due(CURATE)
    for dag in DAGS:
        af.set_paused(dag, False)
    try:
        with progress.task("pipeline", total=2, unit="DAG runs") as bar:

            def note(message: str) -> None:
                bar.update(note=message.strip())

            run_id = _adopt_scheduled(af, before[CURATE]) if due else None
            if run_id:
                bar.log(f"pipeline: unpausing started the scheduled {CURATE} {run_id}; following it")
            else:
                run_id = af.trigger(CURATE)
                bar.log(f"pipeline: triggered {CURATE} {run_id}")
            _finish(af, CURATE, run_id, "curate", timeout, bar, note)
            bar.update(advance=1, note=f"waiting for the silver asset event to start {KPIS}")
            deadline = time.monotonic() + timeout
            while not (new := [r for r in af.runs(KPIS) if r["dag_run_id"] not in before[KPIS]]):
                if time.monotonic() > deadline:
                    raise OperationFailed(f"the silver asset event did not start {KPIS}")
                time.sleep(3)
            kpi_run = new[-1]["dag_run_id"]  # the oldest new run: the one this curation triggered
            _finish(af, KPIS, kpi_run, "kpis", timeout, bar, note)
            bar.update(advance=1, note="done")
        if not pause:
            af.wait_for_dag(STREAM)
            af.set_paused(STREAM, False)
            print(f"pipeline: {STREAM} is on: silver now follows bronze round after round (Airflow: {af.url})")
    finally:
        if pause:
            for dag in DAGS:
                af.set_paused(dag, True)
            for dag in DAGS:
                for r in af.runs(dag):
                    if r["state"] == "queued" and r["dag_run_id"] not in before[dag]:
                        af.delete_run(dag, r["dag_run_id"])


def _adopt_scheduled(af: Airflow, before: set[str]) -> str | None:
    """The run the scheduler creates for the due schedule time: triggering another would curate twice."""
    deadline = time.monotonic() + ADOPT_WITHIN_S
    while time.monotonic() < deadline:
        new = [r["dag_run_id"] for r in af.runs(CURATE) if r["dag_run_id"] not in before]
        if new:
            return new[-1]
        time.sleep(1)
    return None


def _finish(af: Airflow, dag: str, run_id: str, task: str, timeout: float, bar: progress.Task, note) -> None:
    state = af.wait(dag, run_id, timeout, log=note)["state"]
    bar.log(f"  {dag} {run_id}: {state}")
    if state != "success":
        print(af.task_log(dag, run_id, task)[-3000:], file=sys.stderr)
        raise OperationFailed(f"{dag} {run_id} failed (log above; Airflow UI: {af.url})")
