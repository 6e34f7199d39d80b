"""`make bench-curation`: bronze -> silver throughput, KPI job time per scale, and Trino query time on silver
after a long streaming run, before and after maintenance, against a freshly written copy of the same rows.

Runs on the bench stack (state `<state>-bench`, ports +2000). For each scale: load the sources, capture them
into bronze, curate everything (initial merge), compute the KPIs. Then, at the first scale, a streaming run
(live workload with curation every CURATE_EVERY_S) leaves silver as streaming leaves it: many small files
and delete files. Writes bench/results/curation.json; never fails on timing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import threading
import time

from common import CLI, RESULTS, percentile, run, timed, use_bench_stack, write

from pororoca_core import lakehouse
from pororoca_sources.connections import Sources

STREAM_S = 300
CURATE_EVERY_S = 60
STREAM_RATE = 1_000
FOLLOW_RATES = (1_000, 2_000)
FOLLOW_S = 240  # the workload's duration at each rate
PROBE_EVERY_S = 2.0
DRAIN_LIMIT_S = 600
QUERIES = {
    "pix_by_day": "SELECT date(created_at), count(*), sum(amount) FROM silver.{t} GROUP BY 1 ORDER BY 1",
    "top_payers": "SELECT payer_account_id, sum(amount) s FROM silver.{t} GROUP BY 1 ORDER BY s DESC LIMIT 20",
    "point_lookups": "SELECT count(*) FROM silver.{t} WHERE transfer_id IN (7, 70, 700, 7000, 70000)",
    "last_week": "SELECT status, count(*) FROM silver.{t} WHERE created_at > now() - INTERVAL '7' DAY GROUP BY 1",
}


def merged(out: str) -> tuple[int, int]:
    m = re.search(r"curate: ([\d,]+) changes read, ([\d,]+) merged", out)
    return (int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))) if m else (0, 0)


def query_times(cur, table: str, repeats: int = 5) -> dict[str, float]:
    out = {}
    for name, sql in QUERIES.items():
        times = []
        for _ in range(repeats):
            t = time.monotonic()
            cur.execute(sql.format(t=table))
            cur.fetchall()
            times.append(time.monotonic() - t)
        out[name] = round(statistics.median(times), 3)
    return out


def files(cur, table: str) -> dict[str, int]:
    cur.execute(f'SELECT content, count(*) FROM silver."{table}$files" GROUP BY content')
    counts = dict(cur.fetchall())
    return {"data_files": counts.get(0, 0), "delete_files": counts.get(1, 0) + counts.get(2, 0)}


def scale_run(scale: str) -> dict:
    t = time.monotonic()
    run("sources", "load", "--scale", scale, "--seed", "42", "--reset")
    load_s = time.monotonic() - t
    run("cdc", "apply")
    t = time.monotonic()
    run("cdc", "wait", "--timeout", "7200")
    capture_s = time.monotonic() - t
    t = time.monotonic()
    read, written = merged(run("curate", "--full"))
    curate_s = time.monotonic() - t
    kpi_s = timed("kpis")
    return {
        "scale": float(scale),
        "load_s": round(load_s, 1),
        "bronze_capture_s": round(capture_s, 1),
        "initial_curation": {
            "rows_read": read,
            "rows_merged": written,
            "seconds": round(curate_s, 1),
            "rows_per_s": round(read / curate_s),
        },
        "kpis_s": kpi_s,
    }


def streaming_run(paths) -> dict:
    """Live changes while curation runs every minute, as the 15-minute schedule would but denser."""
    stop = threading.Event()
    rounds: list[dict] = []

    def curate_loop() -> None:
        while not stop.is_set():
            t = time.monotonic()
            read, written = merged(run("curate"))
            rounds.append({"rows_read": read, "rows_merged": written, "seconds": round(time.monotonic() - t, 1)})
            stop.wait(max(0.0, CURATE_EVERY_S - (time.monotonic() - t)))

    loop = threading.Thread(target=curate_loop)
    loop.start()
    run("sources", "simulate", "--rate", str(STREAM_RATE), "--duration", str(STREAM_S), timeout=STREAM_S + 600)
    stop.set()
    loop.join()
    run("cdc", "wait", "--timeout", "1800")
    read, written = merged(run("curate"))
    rounds.append({"rows_read": read, "rows_merged": written, "seconds": None})
    incremental = [r for r in rounds if r["seconds"] and r["rows_read"]]
    return {
        "rate_offered": STREAM_RATE,
        "seconds": STREAM_S,
        "curation_rounds": len(rounds),
        "incremental_rows_per_s": round(
            sum(r["rows_read"] for r in incremental) / max(1e-9, sum(r["seconds"] for r in incremental))
        ),
        "rounds": rounds,
    }


class Follower:
    """`pororoca curate --follow` in the background, its round lines kept with the time they were printed."""

    def __init__(self, minutes: float):
        self.proc = subprocess.Popen(
            [CLI, "curate", "--follow", f"{minutes:.1f}", "--run-id", "bench-follow"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ.copy(),
        )  # fmt: skip
        self.rounds: list[tuple[float, int, int, float]] = []  # (time, changes read, merged, seconds)
        self.compactions: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if "compaction" in line:
                self.compactions.append(line.strip())
            m = re.match(r"round \d+: \d+ table\(s\), ([\d,]+) changes read, ([\d,]+) merged in ([\d.]+)s", line)
            if m:
                read, merged_, secs = int(m[1].replace(",", "")), int(m[2].replace(",", "")), float(m[3])
                self.rounds.append((time.time(), read, merged_, secs))

    def wait_first_round(self, timeout: float = 900) -> None:
        deadline = time.time() + timeout
        while not self.rounds:
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("curate --follow never finished a round")
            time.sleep(1)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=600)


def visible(cur, transfer_ids: list[int]) -> dict[int, float]:
    """Which of these transfers silver holds (through Trino), with the time of asking."""
    if not transfer_ids:
        return {}
    cur.execute(
        f"SELECT transfer_id FROM silver.pix_transfers WHERE transfer_id IN ({','.join(map(str, transfer_ids))})"
    )
    now = time.time()
    return {int(i): now for (i,) in cur.fetchall()}


def follow_rate(paths, follower: Follower, rate: int) -> dict:
    """Probes: every PROBE_EVERY_S the newest Pix transfer committed at the source; its latency is the time
    until silver (through Trino) holds it. An upper bound by up to one poll."""
    src = Sources.of(paths)
    cur = lakehouse.trino_connection(lakehouse.Endpoints.of(paths)).cursor()
    probes: dict[int, float] = {}
    seen: dict[int, float] = {}
    workload = subprocess.Popen([CLI, "sources", "simulate", "--rate", str(rate), "--duration", str(FOLLOW_S),
                                 "--seed", str(rate)], stdout=subprocess.DEVNULL, env=os.environ.copy())  # fmt: skip
    started = time.time()
    with src.core(autocommit=True) as conn:
        while workload.poll() is None:
            (newest,) = conn.execute("SELECT max(transfer_id) FROM pix_transfers").fetchone()
            probes.setdefault(int(newest), time.time())
            seen.update(visible(cur, [i for i in probes if i not in seen]))
            time.sleep(PROBE_EVERY_S)
    ended = time.time()
    while len(seen) < len(probes) and time.time() < ended + DRAIN_LIMIT_S:
        seen.update(visible(cur, [i for i in probes if i not in seen]))
        time.sleep(PROBE_EVERY_S)
    latencies = [seen[i] - t for i, t in sorted(probes.items(), key=lambda kv: kv[1]) if i in seen]
    half = len(latencies) // 2
    window = [r for r in follower.rounds if started <= r[0] <= ended]
    return {
        "rate_offered": rate,
        "seconds": FOLLOW_S,
        "probes": len(probes),
        "probes_never_seen": len(probes) - len(seen),
        "latency_s": {
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "max": round(max(latencies), 1) if latencies else None,
            "p95_first_half": percentile(latencies[:half], 95),
            "p95_second_half": percentile(latencies[half:], 95),
        },
        "drain_s": round(max(seen.values()) - ended, 1) if seen else None,
        "rounds": len(window),
        "round_s_median": round(statistics.median(r[3] for r in window), 1) if window else None,
        "changes_merged_per_s": round(sum(r[1] for r in window) / (ended - started)),
    }


def follow_run(paths) -> dict:
    follower = Follower(minutes=len(FOLLOW_RATES) * (FOLLOW_S + DRAIN_LIMIT_S) / 60 + 15)
    cur = lakehouse.trino_connection(lakehouse.Endpoints.of(paths)).cursor()
    try:
        follower.wait_first_round()
        result = {"rates": [follow_rate(paths, follower, rate) for rate in FOLLOW_RATES], "goal_p95_s": 120}
        result["pix_silver_after_rates"] = {"files": files(cur, "pix_transfers"),
                                            "query_s": query_times(cur, "pix_transfers")}  # fmt: skip
    finally:
        follower.stop()  # the run's end: it compacts the tables it merged into
    result["compactions_at_the_end"] = follower.compactions
    result["pix_silver_after_the_run"] = {"files": files(cur, "pix_transfers"),
                                          "query_s": query_times(cur, "pix_transfers")}  # fmt: skip
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="1", help="comma-separated source scales (e.g. 1,10)")
    parser.add_argument("--parts", default="scales,streaming,follow",
                        help="what to measure: scales (then streaming, trino on silver), follow")  # fmt: skip
    args = parser.parse_args()
    paths = use_bench_stack()
    run("up")
    scales = args.scales.split(",")
    parts = set(args.parts.split(","))
    result: dict = {"scales": [], "streaming": None, "trino_on_silver": None, "follow": None}
    if "scales" not in parts:  # on the bench lake as the last run left it, into the last run's results
        last = RESULTS / "curation.json"
        result = json.loads(last.read_text()) if last.exists() else result
        result["follow"] = follow_run(paths)
        write("curation", result)
        run("down")
        return
    # The largest first: the streaming run then works on the smallest, as loaded last.
    for scale in sorted(scales, key=float, reverse=True):
        result["scales"].append(scale_run(scale))
        write("curation", result)
    result["streaming"] = streaming_run(paths)
    cur = lakehouse.trino_connection(lakehouse.Endpoints.of(paths)).cursor()
    cur.execute("DROP TABLE IF EXISTS silver.pix_transfers_fresh")
    cur.execute("CREATE TABLE silver.pix_transfers_fresh AS SELECT * FROM silver.pix_transfers")
    cur.fetchall()
    streamed = {"files": files(cur, "pix_transfers"), "query_s": query_times(cur, "pix_transfers")}
    fresh = {"files": files(cur, "pix_transfers_fresh"), "query_s": query_times(cur, "pix_transfers_fresh")}
    t = time.monotonic()
    run("maintain", "--namespaces", "silver")
    maintain_s = time.monotonic() - t
    maintained = {"files": files(cur, "pix_transfers"), "query_s": query_times(cur, "pix_transfers")}
    total = {k: round(sum(v["query_s"].values()), 3) for k, v in
             {"streamed": streamed, "fresh": fresh, "maintained": maintained}.items()}  # fmt: skip
    result["trino_on_silver"] = {
        "table": "silver.pix_transfers",
        "after_streaming": streamed,
        "fresh_copy": fresh,
        "after_maintenance": maintained,
        "maintenance_s": round(maintain_s, 1),
        "ratio_streamed_to_fresh": round(total["streamed"] / total["fresh"], 2),
        "ratio_maintained_to_fresh": round(total["maintained"] / total["fresh"], 2),
        "target_ratio": 1.2,
    }
    cur.execute("DROP TABLE silver.pix_transfers_fresh")
    write("curation", result)
    if "follow" in parts:
        result["follow"] = follow_run(paths)
        write("curation", result)
    run("down")


if __name__ == "__main__":
    main()
