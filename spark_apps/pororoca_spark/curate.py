"""`pororoca curate`: merge each bronze change log's new part into its silver table(s)."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from pororoca_core.lakehouse import CATALOG
from pororoca_spark import merge_sql as m
from pororoca_spark import watermark
from pororoca_spark.entities import SilverTable


@dataclass(frozen=True)
class TableRun:
    table: str
    rows_read: int
    rows_written: int
    newest_source_ts: datetime | None
    started_at: datetime
    finished_at: datetime
    full: bool


def _exists(spark: SparkSession, name: str) -> bool:
    return spark.catalog.tableExists(f"{CATALOG}.{name}")


def ensure_tombstones(spark: SparkSession) -> None:
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {CATALOG}.silver")
    spark.sql(
        f"CREATE TABLE IF NOT EXISTS {CATALOG}.{m.TOMBSTONES} (table_name STRING, key STRING, position STRING, "
        f"source_ts TIMESTAMP) USING iceberg TBLPROPERTIES ({m.properties_sql()})"
    )


def stored_watermark(spark: SparkSession, name: str) -> watermark.Watermark | None:
    """The watermark of the newest commit that carries one (later commits, such as compaction, change no
    data). None when no snapshot holds one: the whole log is read again, which is safe, only slower."""
    rows = spark.sql(
        f"SELECT summary['{watermark.SUMMARY_KEY}'] AS wm FROM {CATALOG}.{name}.snapshots "
        f"WHERE summary['{watermark.SUMMARY_KEY}'] IS NOT NULL ORDER BY committed_at DESC LIMIT 1"
    ).collect()
    return watermark.decode(rows[0]["wm"]) if rows else None


def _ensure_target(spark: SparkSession, t: SilverTable, source_view: str) -> None:
    flags = [c for c in spark.table(source_view).columns if c.startswith(m.UNAVAILABLE_FLAG)]
    schema = spark.table(source_view).drop("_op", *flags).schema
    if not _exists(spark, t.name):
        spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {CATALOG}.{t.namespace}")
        ddl = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in schema.fields)
        spark.sql(
            f"CREATE TABLE IF NOT EXISTS {CATALOG}.{m.q(t.name)} ({ddl}) USING iceberg "
            f"{m.partition_sql(t.partition)} TBLPROPERTIES ({m.properties_sql()})"
        )
        return
    have = set(spark.table(f"{CATALOG}.{t.name}").columns)
    for f in schema.fields:
        if f.name not in have:  # a column added at the source (bronze evolved with it)
            spark.sql(f"ALTER TABLE {CATALOG}.{m.q(t.name)} ADD COLUMN `{f.name}` {f.dataType.simpleString()}")


def curate_table(
    spark: SparkSession,
    t: SilverTable,
    pseudonym_key: str,
    full: bool = False,
    tombstones_guard: AbstractContextManager[object] | None = None,
) -> TableRun:
    """`tombstones_guard` is held around the commit to the shared tombstones table, which tables curated at
    the same time would otherwise race on."""
    started = datetime.now().astimezone()
    stored = None if full or not _exists(spark, t.name) else stored_watermark(spark, t.name)
    old = stored or {}
    view = t.name.replace(".", "__")
    bronze = spark.table(f"{CATALOG}.{t.source}")
    window = bronze.where(watermark.after_sql(old))
    window.createOrReplaceTempView(f"{view}__window")
    stats = (
        window.groupBy("_kafka_partition")
        .agg(F.max("_kafka_offset").alias("o"), F.count(F.lit(1)).alias("n"), F.max("_source_ts").alias("ts"))
        .collect()
    )
    rows_read = sum(r["n"] for r in stats)
    columns = t.output_columns(bronze.columns)
    types = {f.name: f.dataType.simpleString() for f in bronze.schema.fields}
    latest = spark.sql(m.latest_sql(t, columns, f"{view}__window", pseudonym_key, types))
    if rows_read == 0:
        # Nothing new. A source table still empty gets its (empty) silver table anyway: readers can rely on it.
        latest.createOrReplaceTempView(f"{view}__source")
        _ensure_target(spark, t, f"{view}__source")
        return TableRun(t.name, 0, 0, None, started, datetime.now().astimezone(), stored is None)
    seen = {int(r["_kafka_partition"]): int(r["o"]) for r in stats}
    newest = max(r["ts"] for r in stats if r["ts"] is not None) if any(r["ts"] for r in stats) else None

    latest.persist()
    latest.createOrReplaceTempView(f"{view}__latest")
    with tombstones_guard or nullcontext():
        spark.sql(m.tombstones_merge_sql(t, f"{view}__latest", f"{CATALOG}.{m.TOMBSTONES}"))
    source = spark.sql(m.merge_source_sql(t, f"{view}__latest", f"{CATALOG}.{m.TOMBSTONES}"))
    source.createOrReplaceTempView(f"{view}__source")
    rows_written = source.count()
    _ensure_target(spark, t, f"{view}__source")

    conf_key = f"spark.sql.iceberg.snapshot-property.{watermark.SUMMARY_KEY}"
    spark.conf.set(conf_key, watermark.encode(watermark.advance(old, seen)))
    try:
        keep_if = m.unavailable_flags(t, columns, types)
        spark.sql(m.merge_sql(t, [out for out, _ in columns], f"{view}__source", keep_if))
    finally:
        spark.conf.unset(conf_key)
        latest.unpersist()
    return TableRun(t.name, rows_read, rows_written, newest, started, datetime.now().astimezone(), stored is None)


def curate(
    spark: SparkSession, tables: list[SilverTable], pseudonym_key: str, full: bool = False, log=print
) -> list[TableRun]:
    ensure_tombstones(spark)
    runs = []
    for i, t in enumerate(tables, 1):
        t0 = time.monotonic()
        run = curate_table(spark, t, pseudonym_key, full)
        mode = "full" if run.full else "incremental"
        log(
            f"[{i}/{len(tables)}] {t.name:<28} {mode:<11} read {run.rows_read:>8,} changes, "
            f"merged {run.rows_written:>8,} in {time.monotonic() - t0:5.1f}s"
        )
        runs.append(run)
    return runs


@dataclass(frozen=True)
class Repair:
    table: str
    affected: int  # rows holding the placeholder before
    repaired: int  # of those, rows that now hold the real value
    left: int  # rows bronze has no real value for (the source must re-send them: update the row there)


def repair_unavailable(spark: SparkSession, t: SilverTable, pseudonym_key: str) -> Repair:
    """Rows that a curation before placeholder-awareness left holding Debezium's placeholder get back the newest
    real value bronze holds for each such column."""
    bronze = spark.table(f"{CATALOG}.{t.source}")
    columns = t.output_columns(bronze.columns)
    types = {f.name: f.dataType.simpleString() for f in bronze.schema.fields}
    tests = m.placeholder_in_silver_sql(t, columns, types, pseudonym_key)
    if not tests or not _exists(spark, t.name):
        return Repair(t.name, 0, 0, 0)
    any_bad = " OR ".join(f"({x})" for x in tests.values())
    keys = ", ".join(f"`{k}`" for k in t.key)
    bad = spark.sql(f"SELECT {keys} FROM {CATALOG}.{m.q(t.name)} WHERE {any_bad}").persist()
    affected = bad.count()
    if not affected:
        bad.unpersist()
        return Repair(t.name, 0, 0, 0)
    view = t.name.replace(".", "__")
    bronze.join(bad, on=list(t.key), how="left_semi").createOrReplaceTempView(f"{view}__history")
    spark.sql(m.latest_sql(t, columns, f"{view}__history", pseudonym_key, types)).createOrReplaceTempView(
        f"{view}__newest"
    )
    aliased = m.placeholder_in_silver_sql(t, columns, types, pseudonym_key, alias="t")
    spark.sql(m.repair_sql(t, aliased, m.unavailable_flags(t, columns, types), f"{view}__newest"))
    left = spark.sql(f"SELECT count(*) AS n FROM {CATALOG}.{m.q(t.name)} WHERE {any_bad}").collect()[0]["n"]
    bad.unpersist()
    return Repair(t.name, affected, affected - left, left)
