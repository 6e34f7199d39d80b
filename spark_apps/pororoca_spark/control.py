"""Control table `gold.pipeline_runs` (seed 001): per run and table, rows read and written, duration and
freshness (run end - newest source commit time present in the table); operator actions on a table (a
rollback) are runs too, with what they did in `detail`. Keyed by (run_id, job, table_name):
re-running a run replaces its rows instead of adding new ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession
from pyspark.sql import types as T

TABLE = "lakehouse.gold.pipeline_runs"

# Curation, the KPIs, rollbacks and maintenance record here from separate processes, and the MERGE fails
# Iceberg's validation when another commit added rows in between; the MERGE read again then succeeds.
MERGE_ATTEMPTS = 5

SCHEMA = T.StructType(
    [
        T.StructField("run_id", T.StringType(), False),
        T.StructField("job", T.StringType(), False),
        T.StructField("table_name", T.StringType(), False),
        T.StructField("started_at", T.TimestampType(), False),
        T.StructField("finished_at", T.TimestampType(), False),
        T.StructField("duration_s", T.DoubleType(), False),
        T.StructField("rows_read", T.LongType(), True),
        T.StructField("rows_written", T.LongType(), True),
        T.StructField("newest_source_ts", T.TimestampType(), True),
        T.StructField("freshness_s", T.DoubleType(), True),
        T.StructField("detail", T.StringType(), True),
    ]
)


@dataclass(frozen=True)
class ControlRow:
    run_id: str
    job: str
    table_name: str
    started_at: datetime
    finished_at: datetime
    rows_read: int | None
    rows_written: int | None
    newest_source_ts: datetime | None
    detail: str | None = None

    def as_tuple(self) -> tuple:
        started, finished = _utc(self.started_at), _utc(self.finished_at)
        newest = _utc(self.newest_source_ts) if self.newest_source_ts else None
        freshness = (finished - newest).total_seconds() if newest else None
        duration = (finished - started).total_seconds()
        return (self.run_id, self.job, self.table_name, started, finished, duration,
                self.rows_read, self.rows_written, newest, freshness, self.detail)  # fmt: skip


def _utc(dt: datetime) -> datetime:
    """PySpark hands out naive datetimes in this process's local time; astimezone reads them so."""
    return dt.astimezone(UTC)


def newest_source_ts(spark: SparkSession, table: str) -> datetime | None:
    return spark.sql(f"SELECT max(_source_ts) AS ts FROM lakehouse.{table}").collect()[0]["ts"]


def record(spark: SparkSession, rows: list[ControlRow]) -> None:
    if not rows:
        return
    spark.sql("CREATE NAMESPACE IF NOT EXISTS lakehouse.gold")
    spark.sql(
        f"CREATE TABLE IF NOT EXISTS {TABLE} ({', '.join(f'{f.name} {f.dataType.simpleString()}' for f in SCHEMA)}) "
        "USING iceberg TBLPROPERTIES ('format-version' = '2')"
    )
    have = set(spark.table(TABLE).columns)
    for f in SCHEMA.fields:
        if f.name not in have:  # a table created by an older release
            spark.sql(f"ALTER TABLE {TABLE} ADD COLUMN {f.name} {f.dataType.simpleString()}")
    spark.createDataFrame([r.as_tuple() for r in rows], SCHEMA).createOrReplaceTempView("control_rows")
    for attempt in range(1, MERGE_ATTEMPTS + 1):
        try:
            spark.sql(
                f"MERGE INTO {TABLE} t USING control_rows s "
                "ON t.run_id = s.run_id AND t.job = s.job AND t.table_name = s.table_name "
                "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"
            )
            return
        except (Py4JJavaError, PySparkException) as e:
            if attempt == MERGE_ATTEMPTS or not concurrent_commit(str(e)):
                raise
            print(f"control: {TABLE} changed during the write (attempt {attempt}); writing again")


def concurrent_commit(error: str) -> bool:
    """Iceberg's words for another writer's commit landing between this write's read and its commit."""
    return "ValidationException: Found conflicting files" in error or "CommitFailedException" in error
