"""Airflow DAG. Bronze -> silver every 15 minutes: merge the new part of each change log into the current state."""

from datetime import timedelta

from pororoca_common import SILVER, cli_task, pororoca_dag

with pororoca_dag(
    "pororoca_curate",
    "Merge bronze change logs into silver (incremental, idempotent)",
    "*/15 * * * *",
    tags=["silver"],
    doc_md=__doc__,
):
    cli_task(
        "curate",
        'curate --run-id "{{ run_id }}"',
        size="spark",
        outlets=[SILVER],
        execution_timeout=timedelta(minutes=45),
    )
