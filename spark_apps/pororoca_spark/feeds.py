"""Partner files from the landing zone into bronze: one Iceberg commit per file, traced to the file, exactly once.

Per file, oldest first: read it from landing and take its SHA-256; a checksum already ingested is a duplicate
(recorded, nothing written); an unreadable file goes to quarantine with its reason and an alert; otherwise the
accepted rows are appended to `bronze.feed_<name>` (one commit) with `_source_file`, `_file_checksum`,
`_row_number`, `_ingested_at`, the rejects to `bronze.feed_<name>_rejects` with the reason and the raw text, and
one row to the control table `gold.feed_files`. Only then does the file leave landing (for `_archive/`).
A run that dies in between is repaired by the next: each table is written only if it holds nothing of that
checksum yet. A file of the same name with other contents is a new version that names the one it replaces."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pyspark.sql import SparkSession
from pyspark.sql import types as T

from pororoca_core.pseudonym import token
from pororoca_feeds import Dropped, Feed, Landing, Unreadable, check, read_file
from pororoca_spark.maintain import NO_METRICS

Say = Callable[[str], None]
Alert = Callable[..., Any]

CONTROL = "lakehouse.gold.feed_files"
CONTROL_COLUMNS = (
    ("feed", "string"), ("file_name", "string"), ("checksum", "string"), ("version", "int"),
    ("replaces_checksum", "string"), ("status", "string"), ("rows_read", "bigint"), ("rows_accepted", "bigint"),
    ("rows_rejected", "bigint"), ("bytes", "bigint"), ("dropped_at", "timestamp"), ("ingested_at", "timestamp"),
    ("latency_s", "double"), ("reason", "string"), ("stored_as", "string"),
)  # fmt: skip
SIMPLE = {"string": "string", "int": "int", "long": "bigint", "double": "double", "boolean": "boolean",
          "date": "date", "timestamp": "timestamp"}  # fmt: skip


def spark_type(kind: str) -> str:
    return SIMPLE.get(kind) or kind.replace(" ", "")


def table_columns(feed: Feed) -> list[tuple[str, str]]:
    lineage = [("_source_file", "string"), ("_file_checksum", "string"), ("_row_number", "bigint"),
               ("_ingested_at", "timestamp")]  # fmt: skip
    return [(c.name, spark_type(c.type)) for c in feed.columns] + lineage


REJECT_SCHEMA = [("_source_file", "string"), ("_file_checksum", "string"), ("_row_number", "bigint"),
                 ("_ingested_at", "timestamp"), ("reason", "string"), ("raw", "string")]  # fmt: skip


@dataclass(frozen=True)
class FileResult:
    feed: str
    file_name: str
    status: str  # ingested | duplicate | quarantined
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    reason: str = ""
    latency_s: float = 0.0


def _create(spark: SparkSession, table: str, columns: list[tuple[str, str]], partition: str | None,
            unbounded: tuple[str, ...] = ()) -> None:  # fmt: skip
    """Created with no statistics for its personal columns (`governance sync` sets them on tables that predate
    a tag; maintenance rewrites their older files)."""
    cols = ", ".join(f"{n} {t}" for n, t in columns)
    part = f" PARTITIONED BY ({partition})" if partition else ""
    props = ", ".join(["'format-version' = '2'", *(f"'{NO_METRICS}{c}' = 'none'" for c in unbounded)])
    spark.sql(f"CREATE TABLE IF NOT EXISTS {table} ({cols}) USING iceberg{part} TBLPROPERTIES ({props})")
    have = set(spark.table(table).columns)
    for name, kind in columns:
        if name not in have:  # the contract gained a column: old rows read NULL there
            spark.sql(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")


def silver_columns(feed: Feed) -> list[tuple[str, str]]:
    types = dict(table_columns(feed))
    cols = [(out, "string" if kind else types[src]) for src, out, kind in feed.silver_plan()]
    return [*cols, ("_source_file", "string"), ("_file_checksum", "string"), ("_ingested_at", "timestamp")]


def ensure_tables(spark: SparkSession, feeds: list[Feed]) -> None:
    spark.sql("CREATE NAMESPACE IF NOT EXISTS lakehouse.bronze")
    spark.sql("CREATE NAMESPACE IF NOT EXISTS lakehouse.silver")
    spark.sql("CREATE NAMESPACE IF NOT EXISTS lakehouse.gold")
    _create(spark, CONTROL, list(CONTROL_COLUMNS), "days(ingested_at)")
    for feed in feeds:
        unbounded = feed.unbounded_columns()
        _create(spark, f"lakehouse.{feed.table}", table_columns(feed), "days(_ingested_at)",
                unbounded.get(feed.table, ()))  # fmt: skip
        _create(spark, f"lakehouse.{feed.rejects_table}", REJECT_SCHEMA, "days(_ingested_at)",
                unbounded.get(feed.rejects_table, ()))  # fmt: skip
        _create(spark, f"lakehouse.{feed.silver_table}", silver_columns(feed), None,
                unbounded.get(feed.silver_table, ()))  # fmt: skip


def _schema(columns: list[tuple[str, str]]) -> T.StructType:
    return T.StructType([T.StructField(n, T._parse_datatype_string(t), True) for n, t in columns])


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _holding(spark: SparkSession, table: str, checksums: list[str]) -> set[str]:
    """Which of these files' rows the table holds already (a run that died between its commits)."""
    listed = ", ".join(_quoted(c) for c in checksums)
    found = spark.sql(f"SELECT DISTINCT _file_checksum FROM {table} WHERE _file_checksum IN ({listed})").collect()
    return {r[0] for r in found}


@dataclass
class _Known:
    """What this run knows before each file: the control rows of the waiting files' names and contents (read
    once), then the rows it adds itself, so a file and its corrected version in one run chain as versions."""

    control: list[dict[str, Any]]
    bronze: set[str]
    rejects: set[str]

    def history(self, file_name: str, checksum: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rows = [r for r in self.control if r["file_name"] == file_name or r["checksum"] == checksum]
        same = [r for r in rows if r["checksum"] == checksum and r["status"] == "ingested"]
        versions = [r for r in rows if r["status"] == "ingested" and r["checksum"] != checksum]
        return same, versions


def _known(spark: SparkSession, landing: Landing, feed: Feed, waiting: list[Dropped]) -> tuple[_Known, list[str]]:
    """One query per table for the whole run, instead of three per file. Returns the files' checksums too."""
    checksums = [hashlib.sha256(landing.fetch(d)).hexdigest() for d in waiting]
    names = ", ".join(_quoted(d.file_name) for d in waiting)
    sums = ", ".join(_quoted(c) for c in checksums)
    control = [r.asDict() for r in spark.sql(
        f"SELECT file_name, checksum, status, version, dropped_at FROM {CONTROL} WHERE feed = {_quoted(feed.name)} "
        f"AND (file_name IN ({names}) OR checksum IN ({sums})) ORDER BY ingested_at").collect()]  # fmt: skip
    bronze = _holding(spark, f"lakehouse.{feed.table}", checksums)
    rejects = _holding(spark, f"lakehouse.{feed.rejects_table}", checksums)
    return _Known(control, bronze, rejects), checksums


def ingest(spark: SparkSession, landing: Landing, feed: Feed, waiting: list[Dropped], key: str, say: Say,
           alert: Alert) -> list[FileResult]:  # fmt: skip
    """The files waiting for `feed` (as `Landing.pending` lists them, oldest first). `key`: silver's token key."""
    if not waiting:
        return []
    known, checksums = _known(spark, landing, feed, waiting)
    return [_one(spark, landing, feed, dropped, expected, known, key, say, alert)
            for dropped, expected in zip(waiting, checksums, strict=True)]  # fmt: skip


def merge_silver(spark: SparkSession, feed: Feed, accepted: list[dict[str, Any]], lineage: tuple[str, str],
                 at: datetime, key: str, replaces: str | None) -> None:  # fmt: skip
    """The file's rows into `silver.feed_<name>`, identifiers as tokens: the newest file's row per key. A corrected
    version first takes its predecessor's rows out. Idempotent: merging the same file again changes nothing."""
    table = f"lakehouse.{feed.silver_table}"
    if replaces:
        spark.sql(f"DELETE FROM {table} WHERE _file_checksum = {_quoted(replaces)}")
    if not accepted:
        return
    plan = feed.silver_plan()
    rows = [(*(token(str(r[src]), kind, key) if kind and r[src] is not None else r[src] for src, _, kind in plan),
             *lineage, at) for r in accepted]  # fmt: skip
    spark.createDataFrame(rows, _schema(silver_columns(feed))).createOrReplaceTempView("feed_file_rows")
    on = " AND ".join(f"t.{k} = s.{k}" for k in feed.silver_keys())
    spark.sql(f"MERGE INTO {table} t USING feed_file_rows s ON {on} "
              "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *")  # fmt: skip


def _one(spark: SparkSession, landing: Landing, feed: Feed, dropped: Dropped, expected: str, known: _Known,
         key: str, say: Say, alert: Alert) -> FileResult:  # fmt: skip
    data = landing.fetch(dropped)
    checksum = hashlib.sha256(data).hexdigest()
    if checksum != expected:  # replaced in landing since this run listed it: the next run takes it
        say(f"  {dropped.key}: changed while this run read it: left for the next run")
        return FileResult(feed.name, dropped.file_name, "changed")
    now = datetime.now(UTC)
    latency = (now - dropped.dropped_at).total_seconds()
    base = {"feed": feed.name, "file_name": dropped.file_name, "checksum": checksum, "bytes": len(data),
            "dropped_at": dropped.dropped_at, "ingested_at": now, "latency_s": latency}  # fmt: skip
    same, versions = known.history(dropped.file_name, checksum)
    if same:
        stored = landing.archive(dropped, checksum)
        if not any(r["dropped_at"] and r["dropped_at"].astimezone(UTC) == dropped.dropped_at for r in same):
            _control(spark, known, {**base, "status": "duplicate", "reason": "the same contents were ingested before",
                                    "stored_as": stored})  # fmt: skip
        say(f"  {dropped.key}: already ingested (same SHA-256): nothing written")
        return FileResult(feed.name, dropped.file_name, "duplicate")
    try:
        checked = check(feed, read_file(feed, data))
    except Unreadable as e:
        stored = landing.quarantine(dropped, f"{feed.name}: {e}")
        _control(spark, known, {**base, "status": "quarantined", "reason": str(e), "stored_as": stored})
        alert("feed_quarantined", f"{feed.name}: {dropped.file_name} quarantined: {e}", feed=feed.name,
              file=dropped.file_name, stored_as=stored)  # fmt: skip
        say(f"  {dropped.key}: quarantined: {e}")
        return FileResult(feed.name, dropped.file_name, "quarantined", reason=str(e))
    lineage = (dropped.file_name, checksum)
    table, rejects = f"lakehouse.{feed.table}", f"lakehouse.{feed.rejects_table}"
    if checked.accepted and checksum not in known.bronze:
        names = [c.name for c in feed.columns]
        rows = [(*(r[n] for n in names), *lineage, r["_row_number"], now) for r in checked.accepted]
        spark.createDataFrame(rows, _schema(table_columns(feed))).writeTo(table).append()
    if checked.rejects and checksum not in known.rejects:
        rows = [(*lineage, r.number, now, r.reason, r.raw) for r in checked.rejects]
        spark.createDataFrame(rows, _schema(REJECT_SCHEMA)).writeTo(rejects).append()
    previous = versions[-1] if versions else None
    merge_silver(spark, feed, checked.accepted, lineage, now, key, previous["checksum"] if previous else None)
    stored = landing.archive_key(dropped, checksum)
    _control(spark, known, {**base, "status": "ingested",
                            "version": (previous["version"] or 1) + 1 if previous else 1,
                     "replaces_checksum": previous["checksum"] if previous else None,
                     "rows_read": checked.rows_read, "rows_accepted": len(checked.accepted),
                     "rows_rejected": len(checked.rejects), "stored_as": stored})  # fmt: skip
    landing.archive(dropped, checksum)
    version = f" (version {previous['version'] + 1})" if previous else ""
    say(f"  {dropped.key}: {checked.rows_read:,} rows read, {len(checked.accepted):,} accepted, "
        f"{len(checked.rejects):,} rejected{version}")  # fmt: skip
    return FileResult(feed.name, dropped.file_name, "ingested", checked.rows_read, len(checked.accepted),
                      len(checked.rejects), latency_s=latency)  # fmt: skip


def _control(spark: SparkSession, known: _Known, row: dict[str, Any]) -> None:
    values = tuple(row.get(name) for name, _ in CONTROL_COLUMNS)
    spark.createDataFrame([values], _schema(list(CONTROL_COLUMNS))).writeTo(CONTROL).append()
    known.control.append({k: row.get(k) for k in ("file_name", "checksum", "status", "version", "dropped_at")})
