"""`make bench-cdc`: sustained change rate into bronze and freshness (source commit -> row visible through Trino).

Drives the live workload at rising rates against a separate bench stack while a probe commits one marker
row per second into the core database and watches for it in bronze through Trino. Writes
bench/results/cdc.json. Never fails on timing.
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import asdict

from common import timed, use_bench_stack, write
from confluent_kafka import Consumer, TopicPartition

from pororoca_cdc import feed, lag
from pororoca_core import lakehouse
from pororoca_sources.connections import Sources
from pororoca_sources.simulate import simulate

RATES = (500, 2_000, 5_800, 10_000)
RUN_S = 60
SINKS = {"bronze-core": r"core\.public\..+", "bronze-acquiring": r"acquiring\.acquiring\..+"}


def _percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))], 2)


class FreshnessProbe:
    """Commits a marker row per second and records when each reaches the Kafka topic (the risk team's feed)
    and when it becomes visible in bronze through Trino."""

    def __init__(self, src: Sources, ep: lakehouse.Endpoints, first_id: int):
        self.src, self.ep, self.next_id = src, ep, first_id
        self.committed: dict[int, float] = {}
        self.seen: dict[int, float] = {}
        self.on_topic: dict[int, float] = {}
        self.stop = threading.Event()

    def feed(self) -> None:
        consumer = Consumer({**self.ep.kafka, "group.id": "pororoca-bench-feed", "log_level": 2})
        topic = "core.public.cdc_heartbeat"
        consumer.assign([TopicPartition(topic, 0, feed.end_offset(self.ep.kafka, topic))])
        try:
            while not self.stop.is_set() or len(self.on_topic) < len(self.committed):
                for m in consumer.consume(500, timeout=0.2):
                    if m.error() is None and m.value():
                        change = feed.parse(m.key(), m.value())
                        if change.after and change.after["id"] >= 1000:
                            self.on_topic.setdefault(change.after["id"], time.time())
                if self.stop.is_set() and time.time() > self.stopped_at + 300:
                    break
        finally:
            consumer.close()

    def write(self) -> None:
        with self.src.core(autocommit=True) as conn:
            while not self.stop.is_set():
                conn.execute("INSERT INTO cdc_heartbeat (id, beat_at) VALUES (%s, now())", (self.next_id,))
                self.committed[self.next_id] = time.time()
                self.next_id += 1
                self.stop.wait(1.0)

    def watch(self) -> None:
        cur = lakehouse.trino_connection(self.ep).cursor()
        low = min(self.committed, default=self.next_id)
        while not self.stop.is_set() or len(self.seen) < len(self.committed):
            cur.execute("SELECT id FROM bronze.core_cdc_heartbeat WHERE id >= ?", (low,))
            now = time.time()
            for (i,) in cur.fetchall():
                self.seen.setdefault(i, now)
            if self.stop.is_set() and time.time() > self.stopped_at + 300:
                break
            time.sleep(1.0)

    def run(self):
        self.threads = [threading.Thread(target=t) for t in (self.feed, self.write, self.watch)]
        for t in self.threads:
            t.start()

    def finish(self) -> tuple[list[float], list[float]]:
        self.stopped_at = time.time()
        self.stop.set()
        for t in self.threads:
            t.join()
        bronze = [self.seen[i] - self.committed[i] for i in self.committed if i in self.seen]
        topic = [self.on_topic[i] - self.committed[i] for i in self.committed if i in self.on_topic]
        return bronze, topic


def total_lag(kafka: dict[str, str]) -> int:
    return sum(lag.sink_lag(kafka, name, regex).records for name, regex in SINKS.items())


def wait_drained(kafka: dict[str, str], timeout: float = 900) -> float:
    start = time.monotonic()
    while total_lag(kafka) > 0 and time.monotonic() - start < timeout:
        time.sleep(2)
    return time.monotonic()


def wait_snapshot_in_bronze(src: Sources, ep: lakehouse.Endpoints, timeout: float = 900) -> None:
    """The initial snapshot is not part of the measurement: wait until the largest table is in bronze."""
    with src.core() as conn:
        (expected,) = conn.execute("SELECT count(*) FROM card_transactions").fetchone()
    cur = lakehouse.trino_connection(ep).cursor()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            cur.execute("SELECT count(*) FROM bronze.core_card_transactions")
            if cur.fetchone()[0] >= expected:
                return
        except Exception:  # the table has no snapshot until the sink's first commit
            pass
        time.sleep(2)
    raise TimeoutError("the initial snapshot did not reach bronze")


def main() -> None:
    paths = use_bench_stack()
    timed("reset", "--yes")  # bronze must not hold markers of an earlier run
    timed("up")
    try:
        timed("sources", "load", "--scale", "0.2", "--seed", "42", "--reset")
        timed("cdc", "apply")
        ep = lakehouse.Endpoints.of(paths)
        src = Sources.of(paths)
        with src.core(autocommit=True) as conn:
            conn.execute("DELETE FROM cdc_heartbeat WHERE id >= 1000")
        wait_snapshot_in_bronze(src, ep)
        wait_drained(ep.kafka)
        runs = []
        next_marker = 1000
        for rate in RATES:
            probe = FreshnessProbe(src, ep, next_marker)
            probe.run()
            t0 = time.monotonic()
            summary = simulate(src, rate, RUN_S, say=lambda _m: None)
            lag_at_end = total_lag(ep.kafka)
            drained = wait_drained(ep.kafka)
            fresh, feed_lag = probe.finish()
            next_marker = probe.next_id
            runs.append({
                "rate_target": rate,
                "source": asdict(summary) | {"by_table": None},
                "sink_lag_at_end_of_run": lag_at_end,
                "into_bronze_per_s": round(summary.changes / (drained - t0)),
                "freshness_s": {
                    "markers": len(fresh), "p50": _percentile(fresh, 50), "p95": _percentile(fresh, 95),
                    "p99": _percentile(fresh, 99), "max": round(max(fresh), 1) if fresh else None,
                    "mean": round(statistics.fmean(fresh), 1) if fresh else None,
                },
                "commit_to_kafka_s": {
                    "markers": len(feed_lag), "p50": _percentile(feed_lag, 50), "p95": _percentile(feed_lag, 95),
                    "p99": _percentile(feed_lag, 99), "max": round(max(feed_lag), 2) if feed_lag else None,
                },
            })  # fmt: skip
            print(runs[-1])
        write("cdc", {"run_s": RUN_S, "commit_interval_ms": 10_000, "runs": runs})
    finally:
        timed("down")


if __name__ == "__main__":
    main()
