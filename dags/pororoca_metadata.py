"""The lake in OpenMetadata, nightly, where a catalog server exists (the chart runs one; this machine cannot):
ingest the source databases' tables, Trino's tables, Kafka's topics, Airflow's pipelines and Superset's
dashboards with OpenMetadata's own workflows, then push the LGPD classification, column tags, KPI definitions
and lineage, pull back what stewards tagged, and apply it to Trino. Defined only when Airflow's environment names
a server (POROROCA_OPENMETADATA_URL, with its bot token in POROROCA_OPENMETADATA_TOKEN): without one there is
nothing to run."""

import os
from datetime import timedelta

from pororoca_common import cli_task, pororoca_dag

if os.environ.get("POROROCA_OPENMETADATA_URL"):
    with pororoca_dag(
        "pororoca_metadata",
        "Catalog the lake in OpenMetadata; push classification and lineage; pull steward tags",
        "0 1 * * *",
        tags=["governance", "openmetadata"],
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
