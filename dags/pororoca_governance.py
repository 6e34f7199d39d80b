"""Nightly personal-data watch: apply the classification (new tables get its settings), then sample every lake
table for personal data nobody classified, and list the columns nobody decided on yet (they read as NULL for
masked roles meanwhile). Either finding fails its task, which raises the failure alert with the columns in its
log: a steward then classifies them (governance/lgpd/classification.toml) or accepts them as not personal
(`pororoca governance review --accept`)."""

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG
from pororoca_common import DEFAULT_ARGS, TZ, pororoca

with DAG(
    dag_id="pororoca_governance",
    description="Discover unclassified personal data and columns awaiting review; alert on either",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz=TZ),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["pororoca", "governance", "lgpd"],
    doc_md=__doc__,
):
    sync = BashOperator(
        task_id="governance_sync",
        bash_command=pororoca("governance sync"),
        execution_timeout=timedelta(minutes=10),
    )
    sync >> BashOperator(
        task_id="discover_personal_data",
        bash_command=pororoca("governance discover"),
        execution_timeout=timedelta(hours=1),
    )
    sync >> BashOperator(
        task_id="columns_awaiting_review",
        bash_command=pororoca("governance review"),
        execution_timeout=timedelta(minutes=30),
    )
