"""Airflow DAG. Silver in near real time: one long-lived Spark engine merges what bronze receives, round after
round (`pororoca curate --follow`), for a while per run (15 minutes, or the Airflow Variable
`pororoca_stream_minutes`, up to 90); Airflow starts the next run as one ends (`@continuous`), retries a failed
one and alerts. Each run's log shows its rounds (tables, changes merged, how old the newest merged change was)
and its totals land in gold.pipeline_runs. The 15-minute `pororoca_curate` keeps announcing silver to the KPIs;
both take the same lock round by round, so they never commit at once."""

import os
from datetime import timedelta

from pororoca_common import cli_task, pororoca_dag

# One engine start-up per run: long enough to pay it rarely, short enough for Airflow to report often.
FOLLOW_MINUTES = 15
MINUTES_VARIABLE = "pororoca_stream_minutes"

with pororoca_dag(
    "pororoca_curate_stream",
    "Merge bronze into silver continuously (near real time) on one long-lived Spark engine",
    "@continuous",
    tags=["silver", "streaming"],
    doc_md=__doc__,
    # Locally off until the first pipeline turns it on (`pororoca pipeline`) after the first load and curation;
    # the chart makes it live from the start (airflow.silverStream.enabled).
    is_paused_upon_creation=os.environ.get("POROROCA_STREAM_LIVE") != "true",
):
    cli_task(
        "follow",
        f"curate --follow \"{{{{ var.value.get('{MINUTES_VARIABLE}', {FOLLOW_MINUTES}) }}}}\" "
        '--run-id "{{ run_id }}"',
        size="spark",
        execution_timeout=timedelta(hours=2),
    )
