"""Silver -> gold: the KPI tables of KPIS.md, each time silver has been curated (data-aware schedule).
The reference date is the run's date in America/Sao_Paulo."""

from datetime import timedelta

import pendulum
from airflow.sdk import DAG
from pororoca_common import DEFAULT_ARGS, GOLD, SILVER, TZ, cli_task, local_date

with DAG(
    dag_id="pororoca_kpis",
    description="Compute the gold KPI tables after every curation",
    schedule=[SILVER],
    start_date=pendulum.datetime(2026, 1, 1, tz=TZ),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["pororoca", "gold"],
    doc_md=__doc__,
    user_defined_macros={"local_date": local_date},
):
    cli_task(
        "kpis",
        'kpis --date "{{ local_date(dag_run.run_after) }}" --run-id "{{ run_id }}"',  # the same D on a re-run
        size="spark",
        outlets=[GOLD],
        execution_timeout=timedelta(minutes=45),
    )
