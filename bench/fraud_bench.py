"""`make bench-fraud`: real-time scoring latency and the model's quality, on the stack of this environment with
everything running (run it after `make demo`: it needs the loaded lake and a trained model).

Latency: Pix transfers are committed at the source at a fixed rate (500, 1,000, 2,000/s by default) for a
while; for every one, the time from its source commit (Debezium's `source.ts_ms`) to its score and, when
alerted, its alert being published (the broker's timestamp of the record, read committed): p50/p95/p99, and
whether the processor kept up (the last score within 10 s of the last commit). Hops: at 20 transfers/s, when each
topic on a transfer's way (change topic, each stage, scores) shows it, as the median after its commit.
Quality: `pororoca fraud train --no-register` on the lake's time-based holdout: precision, recall and PR-AUC at
0.5 % and 1 % alert rates, recall per fraud pattern. Writes bench/results/fraud.json; never fails on timing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import threading
import time
import uuid

from common import CLI, pause_batch, percentile, write
from confluent_kafka import OFFSET_END, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from pororoca_core import lakehouse
from pororoca_core.paths import Paths
from pororoca_fraud.cli import processor_health
from pororoca_sources.connections import Sources
from pororoca_sources.simulate import usual_devices

TICK = 0.05  # seconds between source transactions of one writer
WRITER_RATE = 500  # transfers per second one writer (one connection) commits
MULES = [f"bench-mule-{i}@example.com" for i in range(5)]


def writer(src: Sources, accounts: list[tuple[int, int | None]], rate: int, seconds: float, out: list[int],
           seed: int) -> None:  # fmt: skip
    """`accounts`: (payer, its usual device), in the order payers take turns."""
    per_tick = max(1, round(rate * TICK))
    with src.core() as conn:
        start = time.monotonic()
        tick = 0
        while time.monotonic() - start < seconds:
            rows = []
            for i in range(per_tick):
                n = seed + tick * per_tick + i
                # One in 50 goes to one of a few shared keys (a mule's fan-in): some alerts to time as well.
                key, amount = (MULES[n // 50 % len(MULES)], 450) if n % 50 == 0 else (str(uuid.uuid4()), 25 + n % 400)
                payer, device = accounts[n % len(accounts)]
                rows.append((f"E13140088{uuid.uuid4().hex}"[:32], payer, key, "60701190", amount, "app",
                             "completed", device))  # fmt: skip
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO pix_transfers (end_to_end_id, payer_account_id, payee_key, payee_ispb, amount, "
                    "created_at, channel, status, device_id) "
                    "VALUES (%s, %s, %s, %s, %s, clock_timestamp(), %s, %s, %s) "
                    "RETURNING transfer_id",
                    rows,
                    returning=True,
                )
                ids = []
                while True:
                    row = cur.fetchone()
                    if row is not None:
                        ids.append(row[0])
                    if not cur.nextset():
                        break
            conn.commit()
            out.extend(ids)
            tick += 1
            sleep = start + tick * TICK - time.monotonic()
            if sleep > 0:
                time.sleep(sleep)


def consumer_at_end(kafka: dict, *topics: str, **settings: int) -> Consumer:
    """A read-committed reader of `topics` from their current ends."""
    c = Consumer({**kafka, "group.id": f"pororoca-bench-{uuid.uuid4().hex[:8]}", "enable.auto.commit": False,
                  "isolation.level": "read_committed", **settings})  # fmt: skip
    admin = AdminClient(kafka)
    c.assign(
        [
            TopicPartition(t, p, OFFSET_END)
            for t in topics
            for p in admin.list_topics(t, timeout=10).topics[t].partitions
        ]
    )
    c.consume(num_messages=1, timeout=1)  # resolve the end offsets now, before the burst
    return c


def run_rate(src: Sources, kafka: dict, accounts: list[tuple[int, int | None]], rate: int, seconds: float) -> dict:
    scores, alerts = consumer_at_end(kafka, "fraud.scores"), consumer_at_end(kafka, "fraud.alerts")
    ids: list[int] = []
    writers = max(1, -(-rate // WRITER_RATE))
    threads = [
        threading.Thread(target=writer, args=(src, accounts, rate // writers, seconds, ids, w * 7919))
        for w in range(writers)
    ]
    started = time.time()
    for t in threads:
        t.start()
    latency: dict[int, float] = {}
    second: dict[int, int] = {}  # transfer -> second of its source commit, from the start of the run
    alert_latency: list[float] = []
    last_commit = 0.0
    deadline = time.time() + seconds + 120
    while time.time() < deadline:
        # The records keep the change event's Kafka timestamp (Quix Streams propagates it): latency is measured
        # to when the committed record reaches a reader, on this machine's clock.
        for m in scores.consume(num_messages=5000, timeout=0.2):
            now = time.time() * 1000
            if m.error() is None and m.value():
                v = json.loads(m.value())
                if v["created_at_ms"] >= started * 1000:
                    latency[v["transfer_id"]] = now - v["source_commit_ms"]
                    second[v["transfer_id"]] = int(v["source_commit_ms"] / 1000 - started)
        for m in alerts.consume(num_messages=1000, timeout=0):
            now = time.time() * 1000
            if m.error() is None and m.value():
                v = json.loads(m.value())
                if v["created_at_ms"] >= started * 1000:
                    alert_latency.append(now - v["source_commit_ms"])
        if all(not t.is_alive() for t in threads):
            last_commit = last_commit or time.time()
            if set(ids) <= latency.keys():
                break
    caught_up_s = round(time.time() - last_commit, 1) if last_commit else None
    values = list(latency.values())
    scores.close()
    alerts.close()
    return {
        "offered_per_s": rate,
        "committed": len(ids),
        "committed_per_s": round(len(ids) / seconds, 1),
        "scored": len(set(ids) & latency.keys()),
        "score_latency_ms": {"p50": percentile(values, 50), "p95": percentile(values, 95),
                             "p99": percentile(values, 99), "max": max(values, default=None)},
        "alerts": len(alert_latency),
        "alert_latency_ms": {"p50": percentile(alert_latency, 50), "p95": percentile(alert_latency, 95),
                             "p99": percentile(alert_latency, 99)},
        # Whether the tail is spread evenly or made of stalls (a few seconds where everything waited).
        "max_ms_by_second": by_second(latency, second),
        "kept_up": caught_up_s is not None and caught_up_s <= 10 and set(ids) <= latency.keys(),
        "last_score_after_last_commit_s": caught_up_s,
    }  # fmt: skip


def by_second(latency: dict[int, float], second: dict[int, int]) -> list[float]:
    worst: dict[int, float] = {}
    for tid, ms in latency.items():
        worst[second[tid]] = max(worst.get(second[tid], 0.0), ms)
    return [round(worst.get(s, 0.0)) for s in range(max(worst, default=-1) + 1)]


# With one partition the processor scores straight from the change topics (no stage topic on the way).
HOPS = ("core.public.pix_transfers", "fraud.scores")


def hops(src: Sources, kafka: dict, accounts: list[tuple[int, int | None]], count: int = 60, rate: int = 20) -> dict:
    """Where a transfer's time goes when nothing queues: for each topic on its way, the median time from the source
    commit until a read-committed reader sees it there (one reader on all of them, so one clock and one poll)."""
    reader = consumer_at_end(kafka, *HOPS, **{"fetch.wait.max.ms": 10})
    ids: list[int] = []
    writing = threading.Thread(target=writer, args=(src, accounts, rate, count / rate, ids, 1))
    seen: dict[str, dict[int, float]] = {t: {} for t in HOPS}
    commits: dict[int, int] = {}
    writing.start()
    deadline = time.time() + count / rate + 60
    while time.time() < deadline and (writing.is_alive() or not set(ids) <= seen[HOPS[-1]].keys()):
        for m in reader.consume(num_messages=500, timeout=0.02):
            now = time.time() * 1000
            if m.error() is not None or m.value() is None:
                continue
            v = json.loads(m.value())
            if m.topic() == HOPS[0]:
                payload = v.get("payload", v)
                tid = payload["after"]["transfer_id"]
                commits[tid] = payload["source"]["ts_ms"]
            else:
                tid = v["transfer_id"]
            seen[m.topic()].setdefault(tid, now)
    reader.close()
    done = [t for t in ids if t in commits and all(t in seen[h] for h in HOPS)]
    return {
        "transfers": len(done),
        "median_ms_after_commit": {h: percentile([seen[h][t] - commits[t] for t in done], 50) for h in HOPS},
    }


def quality() -> dict:
    out = subprocess.run([CLI, "fraud", "train", "--no-register", "--json"], capture_output=True, text=True,
                         env=os.environ.copy(), timeout=3600)  # fmt: skip
    if out.returncode != 0:
        return {"error": out.stderr[-2000:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rates", default="500,1000,2000", help="transfers per second, comma-separated")
    p.add_argument("--seconds", type=float, default=30, help="how long each rate is offered (default 30)")
    p.add_argument("--skip-quality", action="store_true")
    p.add_argument("--skip-hops", action="store_true", help="skip the per-hop latency at 20 transfers/s")
    p.add_argument("--pause-batch", action="store_true",
                   help="pause the batch DAGs (curation, KPIs, ...) and wait for their runs to end: the processor's "
                   "latency between batch runs rather than beside a Spark job on the same cores")  # fmt: skip
    args = p.parse_args()
    paths = Paths.from_env()
    src = Sources.of(paths)
    kafka = lakehouse.Endpoints.of(paths).kafka
    with src.core() as conn:
        # A bench where every transfer alerts would time the wrong workload.
        accounts = usual_devices(conn.execute)
    random.Random(11).shuffle(accounts)  # neighbouring accounts often share a customer (and its device)
    result: dict = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "seconds_per_rate": args.seconds,
                    "batch_dags_paused": args.pause_batch,
                    "commit_interval_s": processor_health(paths)["commit_interval_s"], "rates": []}  # fmt: skip
    resume = pause_batch(paths, True) if args.pause_batch else []
    try:
        measure(args, src, kafka, accounts, result)
    finally:
        if resume:
            print(f"bench-fraud: resuming {resume}", flush=True)
            pause_batch(paths, False, only=resume)
    write("fraud", result)


def measure(args: argparse.Namespace, src: Sources, kafka: dict, accounts: list[tuple[int, int | None]],
            result: dict) -> None:  # fmt: skip
    if not args.skip_hops:
        print("bench-fraud: where the time goes, hop by hop, at 20 transfers/s ...", flush=True)
        result["hops_at_20_per_s"] = hops(src, kafka, accounts)
        print(f"  {result['hops_at_20_per_s']['median_ms_after_commit']}")
    for rate in (int(r) for r in args.rates.split(",") if r):
        print(f"bench-fraud: {rate} transfers/s for {args.seconds:.0f}s ...", flush=True)
        r = run_rate(src, kafka, accounts, rate, args.seconds)
        lat = r["score_latency_ms"]
        print(f"  p50 {lat['p50']} ms, p99 {lat['p99']} ms, kept up: {r['kept_up']}")
        result["rates"].append(r)
    sustained = [r["offered_per_s"] for r in result["rates"] if r["kept_up"]]
    result["highest_sustained_per_s"] = max(sustained, default=None)
    result["p99_under_1s_at_1000"] = next(
        (r["score_latency_ms"]["p99"] is not None and r["score_latency_ms"]["p99"] < 1000
         for r in result["rates"] if r["offered_per_s"] == 1000), None)  # fmt: skip
    if not args.skip_quality:
        print("bench-fraud: model quality on the lake's time-based holdout ...", flush=True)
        result["quality"] = quality()


if __name__ == "__main__":
    main()
