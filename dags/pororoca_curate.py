"""Bronze -> silver every 15 minutes: merge the new part of each change log into the current state."""

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG
from pororoca_common import DEFAULT_ARGS, SILVER, TZ, pororoca

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
    BashOperator(
        task_id="curate",
        bash_command=pororoca('curate --run-id "{{ run_id }}"'),
        outlets=[SILVER],
        execution_timeout=timedelta(minutes=45),
    )
