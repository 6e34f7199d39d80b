"""The control table's write is repeated only when another writer's commit landed in between."""

from __future__ import annotations

from pororoca_spark.control import concurrent_commit

# As Spark raised it in CI when the KPI DAG appended its rows during a curation's MERGE.
CONFLICT = (
    "An error occurred while calling o68.sql.\n: org.apache.iceberg.exceptions.ValidationException: Found "
    "conflicting files that can contain records matching true: [s3://warehouse/gold/pipeline_runs/data/0.parquet]"
)


def test_a_concurrent_commit_is_written_again():
    assert concurrent_commit(CONFLICT)
    assert concurrent_commit("org.apache.iceberg.exceptions.CommitFailedException: metadata location changed")


def test_any_other_failure_is_raised_at_once():
    assert not concurrent_commit("org.apache.spark.sql.AnalysisException: [TABLE_OR_VIEW_NOT_FOUND]")
    assert not concurrent_commit("org.apache.iceberg.exceptions.ValidationException: Cannot find field 'x'")
