"""`pororoca maintain`: keep every table fast and small, next to the streaming writers.

Per table: compact small files (and fold in MERGE's delete files; sorted where silver.toml names a sort),
rewrite manifests, expire old snapshots, remove orphan files. Rewrites commit in bounded file groups with
partial progress, so a commit conflict with the Iceberg sink costs one group, and each step is retried a
few times before the table is left for the next night: Iceberg's optimistic commits never corrupt a table,
they fail. Compaction and manifest rewrites carry the curation watermark into their own commit summary.
Retention: snapshots within their layer's time-travel window (spark_apps/retention.toml, or
`--retain-hours` for every layer) and unreferenced files younger than `orphan_retention_hours` (files a
writer has written but not committed yet) are always kept.
"""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession

from pororoca_core.lakehouse import CATALOG
from pororoca_spark import entities, watermark

ATTEMPTS = 3
TARGET_FILE_BYTES = 128 * 1024 * 1024
MAX_GROUP_BYTES = 1024 * 1024 * 1024  # the most one commit rewrites


RETENTION = Path(__file__).resolve().parents[1] / "retention.toml"


@dataclass(frozen=True)
class Retention:
    """Time-travel windows in hours: per namespace, else the default."""

    default_hours: float
    layers: dict[str, float] = field(default_factory=dict)

    def hours(self, table: str) -> float:
        return self.layers.get(table.split(".")[0], self.default_hours)

    @classmethod
    def load(cls, path: Path = RETENTION) -> Retention:
        data = tomllib.loads(path.read_text())["time_travel"]
        return cls(24.0 * data["default_days"], {ns: 24.0 * d for ns, d in data.get("layers", {}).items()})


@dataclass(frozen=True)
class Plan:
    retention: Retention = field(default_factory=Retention.load)
    orphan_retention_hours: float = 72.0
    dry_run: bool = False
    retain_last: int = 5


@dataclass
class TableReport:
    table: str
    data_files_before: int
    data_files_after: int
    delete_files_before: int
    delete_files_after: int
    steps: dict[str, str] = field(default_factory=dict)


def tables_in(spark: SparkSession, namespace: str) -> list[str]:
    if not spark.catalog.databaseExists(f"{CATALOG}.{namespace}"):
        return []
    return sorted(f"{namespace}.{r['tableName']}" for r in spark.sql(f"SHOW TABLES IN {CATALOG}.{namespace}").collect())


def file_counts(spark: SparkSession, table: str) -> tuple[int, int]:
    row = spark.sql(
        f"SELECT count_if(content = 0) AS data, count_if(content <> 0) AS deletes FROM {CATALOG}.{table}.files"
    ).collect()[0]
    return int(row["data"] or 0), int(row["deletes"] or 0)


def _retrying(step, attempts: int = ATTEMPTS) -> str:
    for attempt in range(1, attempts + 1):
        try:
            return step()
        except Exception as e:  # a commit conflict surfaces as a Py4J/Spark error wrapping Iceberg's
            if attempt == attempts:
                lines = [ln for ln in str(e).splitlines() if ln.strip() and "error occurred" not in ln]
                return f"gave up after {attempts} attempts: {(lines or ['?'])[0][:300]}"
            time.sleep(2 * attempt)  # back off before re-reading the table's new state
    return "unreachable"


def _jvm(spark: SparkSession) -> Any:
    """Py4J's gateway to the driver's JVM (Iceberg's Java API where Spark SQL has no procedure for it)."""
    return spark._jvm


def iceberg_table(spark: SparkSession, table: str):
    return _jvm(spark).org.apache.iceberg.spark.Spark3Util.loadIcebergTable(spark._jsparkSession, f"{CATALOG}.{table}")


def _carry_watermark(spark: SparkSession, table: str, action):
    from pororoca_spark.curate import stored_watermark

    wm = stored_watermark(spark, table) if table.startswith(("silver.", "silver_pii.")) else None
    return action.snapshotProperty(watermark.SUMMARY_KEY, watermark.encode(wm)) if wm else action


def compact(spark: SparkSession, table: str, sort: tuple[str, ...]) -> str:
    actions = _jvm(spark).org.apache.iceberg.spark.actions.SparkActions.get(spark._jsparkSession)
    jt = iceberg_table(spark, table)
    action = _carry_watermark(spark, table, actions.rewriteDataFiles(jt))
    if sort:
        builder = _jvm(spark).org.apache.iceberg.SortOrder.builderFor(jt.schema())
        for c in sort:
            builder = builder.asc(c)
        action = action.sort(builder.build())
    else:
        action = action.binPack()
    for k, v in {
        "min-input-files": "2",
        "delete-file-threshold": "1",
        "target-file-size-bytes": str(TARGET_FILE_BYTES),
        "max-file-group-size-bytes": str(MAX_GROUP_BYTES),
        "partial-progress.enabled": "true",
        "partial-progress.max-commits": "10",
        "max-concurrent-file-group-rewrites": "2",
        "remove-dangling-deletes": "true",
    }.items():
        action = action.option(k, v)
    result = action.execute()
    return f"rewrote {result.rewrittenDataFilesCount()} files into {result.addedDataFilesCount()}"


def rewrite_manifests(spark: SparkSession, table: str) -> str:
    actions = _jvm(spark).org.apache.iceberg.spark.actions.SparkActions.get(spark._jsparkSession)
    action = _carry_watermark(spark, table, actions.rewriteManifests(iceberg_table(spark, table)))
    result = action.execute()
    rewritten = sum(1 for _ in result.rewrittenManifests())
    return f"rewrote {rewritten} manifests"


def expire(spark: SparkSession, table: str, plan: Plan) -> str:
    hours = plan.retention.hours(table)
    older = (datetime.now() - timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M:%S")
    r = spark.sql(
        f"CALL {CATALOG}.system.expire_snapshots(table => '{table}', older_than => TIMESTAMP '{older}', "
        f"retain_last => {plan.retain_last})"
    ).collect()[0]
    return (
        f"kept {hours / 24:g} days of history; deleted {r['deleted_data_files_count']} data and "
        f"{r['deleted_manifest_files_count']} manifest files"
    )


def remove_orphans(spark: SparkSession, table: str, plan: Plan) -> str:
    older = (datetime.now() - timedelta(hours=plan.orphan_retention_hours)).strftime("%Y-%m-%d %H:%M:%S")
    rows = spark.sql(
        f"CALL {CATALOG}.system.remove_orphan_files(table => '{table}', older_than => TIMESTAMP '{older}', "
        f"prefix_listing => true)"
    ).collect()
    return f"removed {len(rows)} orphan files"


NO_METRICS = "write.metadata.metrics.column."


def personal_bounds(spark: SparkSession, table: str) -> list[str]:
    """Columns whose metrics the table's properties switch off (personal data, set by `governance sync`) but for
    which some live data file still carries bounds: files written before the property."""
    props = {r["key"]: r["value"] for r in spark.sql(f"SHOW TBLPROPERTIES {CATALOG}.{table}").collect()}
    columns = [k.removeprefix(NO_METRICS) for k, v in props.items() if k.startswith(NO_METRICS) and v == "none"]
    if not columns:
        return []
    have = set(spark.table(f"{CATALOG}.{table}").columns)
    columns = [c for c in columns if c in have]
    checks = ", ".join(
        f"count_if(readable_metrics.`{c}`.lower_bound IS NOT NULL OR readable_metrics.`{c}`.upper_bound IS NOT NULL)"
        f" AS `{c}`"
        for c in columns
    )
    if not checks:
        return []
    row = spark.sql(f"SELECT {checks} FROM {CATALOG}.{table}.files").collect()[0]
    return [c for c in columns if row[c]]


def strip_personal_bounds(spark: SparkSession, table: str) -> str:
    bounded = personal_bounds(spark, table)
    if not bounded:
        return "no personal bounds"
    actions = _jvm(spark).org.apache.iceberg.spark.actions.SparkActions.get(spark._jsparkSession)
    action = _carry_watermark(spark, table, actions.rewriteDataFiles(iceberg_table(spark, table)))
    result = action.binPack().option("rewrite-all", "true").execute()
    return f"rewrote {result.rewrittenDataFilesCount()} files holding bounds of {', '.join(bounded)}"


def maintain_table(spark: SparkSession, table: str, sort: tuple[str, ...], plan: Plan) -> TableReport:
    data0, del0 = file_counts(spark, table)
    report = TableReport(table, data0, data0, del0, del0)
    if plan.dry_run:
        report.steps["plan"] = f"{data0} data files, {del0} delete files; would compact (sort {list(sort)})"
        return report
    report.steps["bounds"] = _retrying(lambda: strip_personal_bounds(spark, table))
    report.steps["compact"] = _retrying(lambda: compact(spark, table, sort))
    report.steps["manifests"] = _retrying(lambda: rewrite_manifests(spark, table))
    report.steps["expire"] = _retrying(lambda: expire(spark, table, plan))
    report.steps["orphans"] = _retrying(lambda: remove_orphans(spark, table, plan))
    report.data_files_after, report.delete_files_after = file_counts(spark, table)
    return report


def run(spark: SparkSession, plan: Plan, namespaces: list[str], log=print) -> list[TableReport]:
    sorts = {t.name: t.sort for t in entities.load()}
    tables = [t for ns in namespaces for t in tables_in(spark, ns)]
    reports = []
    for i, table in enumerate(tables, 1):
        t0 = time.monotonic()
        r = maintain_table(spark, table, sorts.get(table, ()), plan)
        steps = "; ".join(f"{k}: {v}" for k, v in r.steps.items())
        log(
            f"[{i}/{len(tables)}] {table:<36} files {r.data_files_before}+{r.delete_files_before}d -> "
            f"{r.data_files_after}+{r.delete_files_after}d in {time.monotonic() - t0:.1f}s ({steps})"
        )
        reports.append(r)
    return reports
