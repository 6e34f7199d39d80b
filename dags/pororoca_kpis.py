"""Airflow DAG. Silver -> gold: the KPI tables of KPIS.md, each time silver has been curated (data-aware schedule).
The reference date is the run's date in America/Sao_Paulo."""

from datetime import timedelta

from pororoca_common import GOLD, SILVER, cli_task, local_date, pororoca_dag

with pororoca_dag(
    "pororoca_kpis",
    "Compute the gold KPI tables after every curation",
    [SILVER],
    tags=["gold"],
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
