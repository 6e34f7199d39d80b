"""Airflow DAG. Partner files from the landing zone into bronze (feeds/<name>.toml): started within seconds by a
partner's drop (MinIO notifies `landing.events`, an asset watcher in the triggerer announces the landing asset),
and every 5 minutes as a safety net (a notification lost, a file put while the watcher was down). Whatever
waits is read, checked against its contract and committed (one Iceberg commit per file), rejected rows kept with
their reasons, unreadable files quarantined with an alert. With nothing waiting the task only lists the bucket
(no Spark start). Idempotent: a file ingested twice changes nothing. A second task alerts once for every file
due by the feeds' schedules and missing at its deadline (gold.feed_deadlines)."""

from datetime import timedelta

from airflow.providers.apache.kafka.triggers.msg_queue import KafkaMessageQueueTrigger
from airflow.sdk import Asset, AssetOrTimeSchedule, AssetWatcher, CronTriggerTimetable
from pororoca_common import TZ, cli_task, pororoca_dag

FEEDS = Asset("lakehouse://lakehouse/bronze/feeds", extra={"layer": "bronze", "source": "partner files"})
# The connection (the triggerer's environment, or the chart's secret) is the `landing_watch` Kafka principal.
DROPS = KafkaMessageQueueTrigger(
    topics=["landing.events"],
    apply_function="pororoca_common.landing_drop",
    kafka_config_id="pororoca_landing_events",
    poll_interval=1,
)
LANDING = Asset(
    "s3://landing/", extra={"source": "partner files"}, watchers=[AssetWatcher(name="landing_drops", trigger=DROPS)]
)

with pororoca_dag(
    "pororoca_feeds",
    "Partner files from the landing zone into bronze, with rejects, quarantine and control",
    AssetOrTimeSchedule(timetable=CronTriggerTimetable("*/5 * * * *", timezone=TZ), assets=[LANDING]),
    tags=["feeds", "ingestion"],
    doc_md=__doc__,
    # Live from the start: a partner's file is ingested without an operator (both tasks do nothing until
    # `feeds apply` made the landing zone).
    is_paused_upon_creation=False,
):
    cli_task("ingest", "feeds ingest --wait 240", size="spark", outlets=[FEEDS],
             execution_timeout=timedelta(minutes=30))  # fmt: skip
    # Beside the ingestion, not after it: a failed ingestion must not silence a partner's missed deadline.
    cli_task("deadlines", "feeds deadlines --hours 24", execution_timeout=timedelta(minutes=10))
