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


def run(paths: Paths, timeout: float, pause: bool) -> None:
    """The DAGs stay unpaused afterwards (the schedule is the product) unless `pause`."""
    af = Airflow.connect(paths)
    for dag in DAGS:
        af.wait_for_dag(dag)
    for dag in DAGS:
        af.set_paused(dag, False)
    try:
        with progress.task("pipeline", total=2, unit="DAG runs") as bar:

            def note(message: str) -> None:
                bar.update(note=message.strip())

            before = {r["dag_run_id"] for r in af.runs("pororoca_kpis")}
            run_id = af.trigger("pororoca_curate")
            bar.log(f"pipeline: triggered pororoca_curate {run_id}")
            _finish(af, "pororoca_curate", run_id, "curate", timeout, bar, note)
            bar.update(advance=1, note="waiting for the silver asset event to start pororoca_kpis")
            deadline = time.monotonic() + timeout
            while not (new := [r for r in af.runs("pororoca_kpis") if r["dag_run_id"] not in before]):
                if time.monotonic() > deadline:
                    raise OperationFailed("the silver asset event did not start pororoca_kpis")
                time.sleep(3)
            kpi_run = new[-1]["dag_run_id"]  # the oldest new run: the one this curation triggered
            _finish(af, "pororoca_kpis", kpi_run, "kpis", timeout, bar, note)
            bar.update(advance=1, note="done")
    finally:
        if pause:
            for dag in DAGS:
                af.set_paused(dag, True)


def _finish(af: Airflow, dag: str, run_id: str, task: str, timeout: float, bar: progress.Task, note) -> None:
    state = af.wait(dag, run_id, timeout, log=note)["state"]
    bar.log(f"  {dag} {run_id}: {state}")
    if state != "success":
        print(af.task_log(dag, run_id, task)[-3000:], file=sys.stderr)
        raise OperationFailed(f"{dag} {run_id} failed (log above; Airflow UI: {af.url})")
