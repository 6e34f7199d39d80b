"""`make bench-feeds`: partner files on the stack of this environment with everything running (run it after
`make demo`: the files name the sources' customers and merchants, and the landing zone exists).

Throughput: per feed (one format each), --files files of --rows rows dropped with the partner's key, then one
timed `pororoca feeds ingest --feed F` (Spark start-up included, as the DAG pays it): files/s, rows/s, MB/s. The
feeds DAG is paused meanwhile, so that only the timed command ingests.
Latency: the DAG live, one file at a time dropped and polled in Trino until its rows are queryable in bronze
(MinIO notification -> Kafka -> asset watcher -> DAG run -> Spark commit): p50/p95/max against the 60 s goal.
Writes bench/results/feeds.json; never fails on timing."""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from datetime import UTC, datetime

from common import CLI, percentile, write

from pororoca_core import lakehouse
from pororoca_core.paths import Paths
from pororoca_feeds import load_feeds
from pororoca_stack.airflow import Airflow

DAG = "pororoca_feeds"


def pororoca(*args: str) -> str:
    return subprocess.run([CLI, *args], check=True, env=os.environ.copy(), capture_output=True, text=True).stdout


def rows(ep: lakehouse.Endpoints, sql: str) -> list[tuple]:
    with lakehouse.trino_connection(ep) as conn:
        cur = conn.cursor()
        cur.execute(sql)
        return [tuple(r) for r in cur.fetchall()]


def quiet(af: Airflow, timeout: float = 900) -> None:
    """No run of the feeds DAG is queued or running."""
    deadline = time.monotonic() + timeout
    while any(r["state"] in ("queued", "running") for r in af.runs(DAG)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{DAG} still busy after {timeout:.0f}s")
        time.sleep(2)


def throughput(ep: lakehouse.Endpoints, tag: str, files: int, rows_per_file: int) -> list[dict]:
    out = []
    for feed in load_feeds().values():
        names = [f"bench_{tag}_{i}.{feed.format}" for i in range(files)]
        for i, name in enumerate(names):
            # New contents every run: the same bytes again would be a duplicate (nothing written, nothing timed).
            pororoca("sources", "drop", "--feed", feed.name, "--rows", str(rows_per_file), "--name", name,
                     "--seed", f"{tag}{i}")  # fmt: skip
        t = time.monotonic()
        pororoca("feeds", "ingest", "--feed", feed.name)
        seconds = time.monotonic() - t
        listed = ", ".join(f"'{n}'" for n in names)
        ((accepted, size, ingested),) = rows(ep, "SELECT sum(rows_accepted), sum(bytes), count_if(status = 'ingested') "
                                                 f"FROM gold.feed_files WHERE file_name IN ({listed})")  # fmt: skip
        accepted, size = accepted or 0, size or 0
        r = {"feed": feed.name, "format": feed.format, "files": files, "ingested": ingested, "rows": accepted,
             "bytes": size, "seconds": round(seconds, 1), "files_per_s": round(files / seconds, 3),
             "rows_per_s": round(accepted / seconds), "mb_per_s": round(size / 2**20 / seconds, 2)}  # fmt: skip
        print(f"  {feed.format:<8} {r['files']} files, {r['rows']:,} rows in {r['seconds']} s: "
              f"{r['files_per_s']} files/s, {r['rows_per_s']:,} rows/s", flush=True)  # fmt: skip
        out.append(r)
    return out


def arrival_latency(ep: lakehouse.Endpoints, tag: str, count: int, rows_per_file: int, timeout: float) -> dict:
    feeds = list(load_feeds().values())
    seen: list[float] = []
    missed = 0
    for i in range(count):
        feed = feeds[i % len(feeds)]
        name = f"arrival_{tag}_{i}.{feed.format}"
        pororoca("sources", "drop", "--feed", feed.name, "--rows", str(rows_per_file), "--name", name,
                 "--seed", f"{tag}{1000 + i}")  # fmt: skip
        dropped = time.monotonic()
        sql = f"SELECT count(*) FROM {feed.table} WHERE _source_file = '{name}'"
        while time.monotonic() - dropped < timeout:
            if rows(ep, sql)[0][0]:
                seen.append(round(time.monotonic() - dropped, 1))
                print(f"  {name}: queryable in bronze {seen[-1]} s after the drop", flush=True)
                break
            time.sleep(0.5)
        else:
            missed += 1
            print(f"  {name}: not queryable within {timeout:.0f}s", flush=True)
    p95 = percentile(seen, 95)
    return {"files": count, "rows_per_file": rows_per_file, "seconds": seen, "not_seen": missed,
            "p50_s": percentile(seen, 50), "p95_s": p95, "max_s": max(seen, default=None),
            "goal_p95_s": 60, "goal_met": p95 is not None and p95 <= 60 and not missed}  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--files", type=int, default=5, help="files per format in the throughput phase (5)")
    p.add_argument("--rows", type=int, default=20_000, help="rows per file in the throughput phase (20,000)")
    p.add_argument("--arrivals", type=int, default=8, help="files dropped one at a time for the latency (8)")
    p.add_argument("--timeout", type=float, default=300, help="seconds to wait for one file in bronze (300)")
    args = p.parse_args()
    paths = Paths.from_env()
    ep = lakehouse.Endpoints.of(paths)
    af = Airflow.connect(paths)
    tag = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    result: dict = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count()}
    af.set_paused(DAG, True)
    try:
        quiet(af)
        print(f"bench-feeds: throughput, {args.files} files x {args.rows:,} rows per format ...", flush=True)
        result["throughput"] = throughput(ep, tag, args.files, args.rows)
    finally:
        af.set_paused(DAG, False)
    print(f"bench-feeds: drop -> queryable in bronze, {args.arrivals} files one at a time ...", flush=True)
    result["arrival"] = arrival_latency(ep, tag, args.arrivals, 1_000, args.timeout)
    write("feeds", result)


if __name__ == "__main__":
    main()
