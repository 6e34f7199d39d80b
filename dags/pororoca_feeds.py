"""Airflow DAG. Partner files from the landing zone into bronze (feeds/<name>.toml): every 5 minutes, whatever
waits is read, checked against its contract and committed (one Iceberg commit per file), rejected rows kept with
their reasons, unreadable files quarantined with an alert. With nothing waiting the task only lists the bucket
(no Spark start). Idempotent: a file ingested twice changes nothing. A second task alerts once for every file
due by the feeds' schedules and missing at its deadline (gold.feed_deadlines)."""

from datetime import timedelta

from airflow.sdk import Asset
from pororoca_common import cli_task, pororoca_dag

FEEDS = Asset("lakehouse://lakehouse/bronze/feeds", extra={"layer": "bronze", "source": "partner files"})

with pororoca_dag(
    "pororoca_feeds",
    "Partner files from the landing zone into bronze, with rejects, quarantine and control",
    "*/5 * * * *",
    tags=["feeds", "ingestion"],
    doc_md=__doc__,
):
    cli_task("ingest", "feeds ingest --wait 240", size="spark", outlets=[FEEDS],
             execution_timeout=timedelta(minutes=30))  # fmt: skip
    # Beside the ingestion, not after it: a failed ingestion must not silence a partner's missed deadline.
    cli_task("deadlines", "feeds deadlines --hours 24", execution_timeout=timedelta(minutes=10))
