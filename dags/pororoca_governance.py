"""Airflow DAG. Nightly personal-data watch: apply the classification (new tables get its settings), then
sample every lake table for personal data nobody classified, and list the columns nobody decided on yet (they
read as NULL for masked roles meanwhile). Either finding fails its task, which raises the failure alert with the
columns in its log: a steward then classifies them (governance/lgpd/classification.toml) or accepts them as not
personal (`pororoca governance review --accept`)."""

from datetime import timedelta

from pororoca_common import cli_task, pororoca_dag

with pororoca_dag(
    "pororoca_governance",
    "Discover unclassified personal data and columns awaiting review; alert on either",
    "0 2 * * *",
    tags=["governance", "lgpd"],
    doc_md=__doc__,
):
    sync = cli_task(
        "governance_sync",
        "governance sync",
        execution_timeout=timedelta(minutes=10),
    )
    sync >> cli_task(
        "discover_personal_data",
        "governance discover",
        execution_timeout=timedelta(hours=1),
    )
    sync >> cli_task(
        "columns_awaiting_review",
        "governance review",
        execution_timeout=timedelta(minutes=30),
    )
