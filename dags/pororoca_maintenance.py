"""Nightly table care on bronze, silver and gold: compaction, manifest rewrite, snapshot expiry and orphan
removal, with retention windows that keep what the streaming writers may still need."""

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG
from pororoca_common import DEFAULT_ARGS, TZ, pororoca

with DAG(
    dag_id="pororoca_maintenance",
    description="Compact, rewrite manifests, expire snapshots, remove orphan files",
    schedule="30 3 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz=TZ),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["pororoca", "maintenance"],
    doc_md=__doc__,
):
    for namespace in ("bronze", "silver", "silver_pii", "gold"):
        BashOperator(
            task_id=f"maintain_{namespace}",
            bash_command=pororoca(f"maintain --namespaces {namespace}"),
            execution_timeout=timedelta(hours=2),
        )
