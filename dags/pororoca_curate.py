"""Bronze -> silver every 15 minutes: merge the new part of each change log into the current state."""

from datetime import timedelta

import pendulum
from airflow.sdk import DAG
from pororoca_common import DEFAULT_ARGS, SILVER, TZ, cli_task

with DAG(
    dag_id="pororoca_curate",
    description="Merge bronze change logs into silver (incremental, idempotent)",
    schedule="*/15 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz=TZ),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["pororoca", "silver"],
    doc_md=__doc__,
):
    cli_task(
        "curate",
        'curate --run-id "{{ run_id }}"',
        size="spark",
        outlets=[SILVER],
        execution_timeout=timedelta(minutes=45),
    )
