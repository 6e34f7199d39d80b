"""Silver -> gold: the KPI tables of KPIS.md, each time silver has been curated (data-aware schedule).
The reference date is the run's date in America/Sao_Paulo."""

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG
from pororoca_common import DEFAULT_ARGS, GOLD, SILVER, TZ, local_date, pororoca

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
    BashOperator(
        task_id="kpis",
        bash_command=pororoca(
            'kpis --date "{{ local_date(dag_run.run_after) }}" '  # the same D when a run is re-run
            '--run-id "{{ run_id }}"'
        ),
        outlets=[GOLD],
        execution_timeout=timedelta(minutes=45),
    )
