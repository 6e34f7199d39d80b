"""The lake in OpenMetadata, nightly, where a catalog server exists (the chart runs one; this machine cannot):
ingest the source databases' tables, Trino's tables, Kafka's topics, Airflow's pipelines and Superset's
dashboards with OpenMetadata's own workflows, then push the LGPD classification, column tags, KPI definitions
and lineage, pull back what stewards tagged, and apply it to Trino. Defined only when Airflow's environment names
a server (POROROCA_OPENMETADATA_URL, with its bot token in POROROCA_OPENMETADATA_TOKEN): without one there is
nothing to run."""

import os
from datetime import timedelta

import pendulum
from airflow.sdk import DAG
from pororoca_common import DEFAULT_ARGS, TZ, cli_task

if os.environ.get("POROROCA_OPENMETADATA_URL"):
    with DAG(
        dag_id="pororoca_metadata",
        description="Catalog the lake in OpenMetadata; push classification and lineage; pull steward tags",
        schedule="0 1 * * *",
        start_date=pendulum.datetime(2026, 1, 1, tz=TZ),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["pororoca", "governance", "openmetadata"],
        doc_md=__doc__,
    ):
        ingest = [
            cli_task(
                f"ingest_{source}",
                f"metadata ingest {source}",
                execution_timeout=timedelta(hours=1),
            )
            for source in ("core", "acquiring", "trino", "kafka", "airflow", "superset")
        ]
        push = cli_task(
            "push_classification_and_lineage",
            "metadata push",
            execution_timeout=timedelta(minutes=30),
        )
        pull = cli_task(
            "pull_steward_tags",
            "metadata pull",
            execution_timeout=timedelta(minutes=30),
        )
        sync = cli_task(
            "governance_sync",
            "governance sync",
            execution_timeout=timedelta(minutes=10),
        )
        ingest >> push >> pull >> sync
