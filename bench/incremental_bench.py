"""`make bench-incremental`: how curation should find the new part of a bronze change log. Today it reads
bronze with a Kafka-offset watermark predicate (Iceberg prunes the files whose offset range is below it); the
catalog now keeps snapshot history, so an incremental append scan between two bronze snapshots is possible.
Both are timed on the same table, before and after bronze compaction, and must return the same changes.

Runs on the bench stack (state `<state>-bench`, ports +2000): load the sources at a scale, capture them,
curate once, then let the live workload change the sources for a while and time both reads of what arrived
since. `--existing` measures on the stack of this environment as it is (e.g. the demo) instead. Writes
bench/results/incremental.json; never fails on timing.
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import timed as run
from common import use_bench_stack, write

from pororoca_core import lakehouse
from pororoca_core.paths import Paths
from pororoca_spark import maintain, watermark

TABLE = "bronze.core_pix_transfers"
REPEATS = 5


def current_snapshot(spark) -> int:
    row = spark.sql(
        f"SELECT snapshot_id FROM lakehouse.{TABLE}.history WHERE is_current_ancestor ORDER BY made_current_at DESC"
    ).first()
    assert row is not None
    return int(row["snapshot_id"])


def offsets(spark) -> watermark.Watermark:
    rows = spark.sql(f"SELECT _kafka_partition p, max(_kafka_offset) o FROM lakehouse.{TABLE} GROUP BY 1").collect()
    return {int(r["p"]): int(r["o"]) for r in rows}


def window_stats(df) -> tuple[int, dict[int, int]]:
    """What curation computes over the window: changes per partition and the newest offset."""
    from pyspark.sql import functions as F

    rows = df.groupBy("_kafka_partition").agg(F.count(F.lit(1)).alias("n"), F.max("_kafka_offset").alias("o")).collect()
    return sum(int(r["n"]) for r in rows), {int(r["_kafka_partition"]): int(r["o"]) for r in rows}


def timed_read(read) -> tuple[float, tuple[int, dict[int, int]]]:
    times, result = [], None
    for _ in range(REPEATS):
        t = time.monotonic()
        result = window_stats(read())
        times.append(time.monotonic() - t)
    assert result is not None
    return round(statistics.median(times), 3), result


def measure(spark, start_snapshot: int, wm: watermark.Watermark) -> dict:
    end = current_snapshot(spark)
    by_offset_s, by_offset = timed_read(lambda: spark.table(f"lakehouse.{TABLE}").where(watermark.after_sql(wm)))
    by_snapshot_s, by_snapshot = timed_read(
        lambda: (
            spark.read.format("iceberg")
            .option("start-snapshot-id", str(start_snapshot))
            .option("end-snapshot-id", str(end))
            .load(f"lakehouse.{TABLE}")
        )
    )
    files = spark.sql(f"SELECT count(*) n FROM lakehouse.{TABLE}.files").first()
    snapshots = spark.sql(f"SELECT count(*) n FROM lakehouse.{TABLE}.snapshots").first()
    return {
        "changes": by_offset[0],
        "same_changes": by_offset == by_snapshot,
        "offset_watermark_s": by_offset_s,
        "incremental_scan_s": by_snapshot_s,
        "data_files": int(files["n"]) if files else None,
        "snapshots": int(snapshots["n"]) if snapshots else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=0.2, help="source scale on the bench stack (default 0.2)")
    ap.add_argument("--rate", type=float, default=500.0, help="live workload, changes/s (default 500)")
    ap.add_argument("--duration", type=float, default=120.0, help="seconds of live workload (default 120)")
    ap.add_argument("--existing", action="store_true", help="measure on this environment's stack as it is")
    args = ap.parse_args()
    if not args.existing:
        use_bench_stack()
        run("up")
        run("sources", "load", "--scale", str(args.scale), "--reset")
        run("cdc", "apply")
        run("cdc", "wait", "--timeout", "3600")
        run("jobs", "curate")
    paths = Paths.from_env()
    spark = lakehouse.spark_session(paths, "bench-incremental")
    spark.sparkContext.setLogLevel("ERROR")
    start, wm = current_snapshot(spark), offsets(spark)
    run("sources", "simulate", "--rate", str(args.rate), "--duration", str(args.duration))
    run("cdc", "wait", "--timeout", "1800")
    result: dict = {"table": TABLE, "scale": None if args.existing else args.scale, "repeats": REPEATS}
    result["after_streaming"] = measure(spark, start, wm)
    report = maintain.compact(spark, TABLE, ())
    result["after_compaction"] = {"compaction": report, **measure(spark, start, wm)}
    spark.stop()
    write("incremental", result)


if __name__ == "__main__":
    main()
