"""Airflow DAG. Nightly table care on bronze, silver and gold: compaction, manifest rewrite, snapshot expiry and orphan
removal, with retention windows that keep what the streaming writers may still need."""

from datetime import timedelta

from pororoca_common import cli_task, pororoca_dag

with pororoca_dag(
    "pororoca_maintenance",
    "Compact, rewrite manifests, expire snapshots, remove orphan files",
    "30 3 * * *",
    tags=["maintenance"],
    doc_md=__doc__,
):
    # Tables created since the last run get the classification's settings first (no file statistics for
    # personal columns); maintenance then rewrites the files written before them.
    governance = cli_task(
        "governance_sync",
        "governance sync",
        execution_timeout=timedelta(minutes=10),
    )
    for namespace in ("bronze", "silver", "silver_pii", "gold"):
        governance >> cli_task(
            f"maintain_{namespace}",
            f"maintain --namespaces {namespace}",
            size="spark",
            execution_timeout=timedelta(hours=2),
        )
