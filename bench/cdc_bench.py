"""`make bench-cdc`: sustained change rate into bronze and freshness (source commit -> row visible through Trino),
side by side for each format of the change topics.

Drives the live workload at rising rates against a separate bench stack while a probe commits one marker
row per second into the core database and watches for it in bronze through Trino. Then the sinks alone: they
are paused while the workload offers DRAIN_RATE for RUN_S, and resumed; the backlog's drain time is the sink's
rate with nothing else loading the machine. Both for every variant in FORMATS, switched in place (sources
paused, sinks drained, both reconfigured, sources resumed): schemaless JSON (the connectors as this repo
defines them), the same with two tasks per sink, and JSON with the schema embedded in every record (as
before, for comparison). Writes
bench/results/cdc.json. Never fails on timing.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from dataclasses import asdict

from common import timed, use_bench_stack, write
from confluent_kafka import Consumer, TopicPartition

from pororoca_cdc import connect, feed, lag
from pororoca_cdc.cli import connector_context
from pororoca_core import lakehouse
from pororoca_sources.connections import Sources
from pororoca_sources.simulate import simulate

RATES = (500, 2_000, 5_800, 10_000)
RUN_S = 60
SINKS = {"bronze-core": r"core\.public\..+", "bronze-acquiring": r"acquiring\.acquiring\..+"}
SOURCES = ("core-postgres", "acquiring-mariadb")
DRAIN_RATE = 10_000
COMMIT_INTERVAL_S = 10  # the bronze sinks' iceberg.control.commit.interval-ms
# The sinks as they were while the topics carried their schemas: Kafka's JsonConverter with schemas and
# Debezium's unwrap (which marks deletes with __deleted, dropped again).
WITH_SCHEMAS_SINK = {
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "true",
    "value.converter.decimal.format": "NUMERIC",
    "transforms": "unwrap,nodeleted,route,kafka",
    "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
    "transforms.unwrap.delete.tombstone.handling.mode": "rewrite",
    "transforms.unwrap.add.fields.prefix": "",
    "transforms.nodeleted.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
    "transforms.nodeleted.exclude": "__deleted",
}
# The repo's own configuration first; then the same with two tasks per sink (the topics' partitions shared
# between them); then the topics with their schemas embedded, as before.
FORMATS = ("schemaless_json", "schemaless_json_2_sink_tasks", "json_with_schemas")


def configured(c: connect.Connector, fmt: str) -> dict[str, str]:
    """A CDC connector's configuration for one variant; the repo's own is schemaless JSON with one sink task."""
    cfg = dict(c.config)
    if fmt == "schemaless_json_2_sink_tasks" and c.name in SINKS:
        return cfg | {"tasks.max": "2"}
    if fmt != "json_with_schemas":
        return cfg
    if c.name in SOURCES:
        return cfg | {"value.converter.schemas.enable": "true"}
    fields = cfg.pop("transforms.unwrap.fields")
    return cfg | WITH_SCHEMAS_SINK | {"transforms.unwrap.add.fields": fields}


def set_state(api: connect.Api, names: tuple[str, ...] | list[str], verb: str) -> None:
    for name in names:
        r = api.call("PUT", f"/connectors/{name}/{verb}")
        if r.status_code not in (200, 202, 204):
            raise RuntimeError(f"{verb} {name}: HTTP {r.status_code} {r.text[:300]}")


def use_format(api: connect.Api, kafka: dict[str, str], fmt: str) -> None:
    """Switch the topics' format without a record in the wrong one: sources paused, sinks drained first."""
    wanted = [c for c in connect.definitions(connector_context()) if c.name in SOURCES or c.name in SINKS]
    set_state(api, SOURCES, "pause")
    wait_drained(kafka)
    for c in sorted(wanted, key=lambda c: c.name in SOURCES):  # sinks first: they must read the new format
        r = api.call("PUT", f"/connectors/{c.name}/config", json=configured(c, fmt), timeout=60)
        if r.status_code not in (200, 201):
            raise RuntimeError(f"PUT {c.name}: HTTP {r.status_code} {r.text[:500]}")
    set_state(api, SOURCES, "resume")
    for c in wanted:
        connect.wait_running(api, c.name)


def record_bytes(kafka: dict[str, str], topic: str = "core.public.pix_transfers", n: int = 2000) -> int:
    """Mean size of the last `n` change events' values on a topic (uncompressed, as a consumer gets them)."""
    end = feed.end_offset(kafka, topic)
    consumer = Consumer({**kafka, "group.id": "pororoca-bench-size", "log_level": 2})
    consumer.assign([TopicPartition(topic, 0, max(0, end - n))])
    sizes: list[int] = []
    deadline = time.monotonic() + 60
    try:
        while len(sizes) < min(n, end) and time.monotonic() < deadline:
            sizes += [len(m.value()) for m in consumer.consume(500, timeout=1) if m.error() is None and m.value()]
    finally:
        consumer.close()
    return round(statistics.fmean(sizes)) if sizes else 0


def sink_drain(api: connect.Api, src: Sources, kafka: dict[str, str]) -> dict:
    """The sinks alone: a backlog built while they are paused, then drained with nothing else running."""
    set_state(api, list(SINKS), "pause")
    summary = simulate(src, DRAIN_RATE, RUN_S, say=lambda _m: None)
    backlog_before = -1
    while (backlog := total_lag(kafka)) != backlog_before:  # Debezium has published everything
        backlog_before = backlog
        time.sleep(5)
    t0 = time.monotonic()
    set_state(api, list(SINKS), "resume")
    drained = wait_drained(kafka, timeout=1800)
    return {
        "offered_changes": summary.changes,
        "backlog": backlog,
        "seconds": round(drained - t0, 1),
        "per_s": round(backlog / (drained - t0)),
    }


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
    parser = argparse.ArgumentParser()
    parser.add_argument("--formats", default=",".join(FORMATS), help=f"comma-separated, of {', '.join(FORMATS)}")
    parser.add_argument("--rates", default=",".join(map(str, RATES)), help="offered changes/s, comma-separated")
    args = parser.parse_args()
    formats = args.formats.split(",")
    rates = [int(r) for r in args.rates.split(",")]
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
        api = connect.Api(ep.connect_url, ep.connect_auth)
        result: dict = {"run_s": RUN_S, "commit_interval_ms": COMMIT_INTERVAL_S * 1000, "formats": {}}
        next_marker = 1000
        for fmt in formats:
            use_format(api, ep.kafka, fmt)
            runs = []
            for rate in rates:
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
                    # Until the lag reads 0 (committed offsets move once per sink commit, ~10 s, and the
                    # commit itself takes seconds): a ~35 s tail on a 60 s run, whatever the rate.
                    "into_bronze_per_s": round(summary.changes / (drained - t0)),
                    # What the sinks took in during the run; a lag at the end within one commit interval of
                    # changes is records read but not yet committed: the sink kept up.
                    "consumed_during_run_per_s": round((summary.changes - lag_at_end) / summary.duration_s),
                    "kept_up": lag_at_end <= rate * (COMMIT_INTERVAL_S + 2),
                    "freshness_s": {
                        "markers": len(fresh), "p50": _percentile(fresh, 50), "p95": _percentile(fresh, 95),
                        "p99": _percentile(fresh, 99), "max": round(max(fresh), 1) if fresh else None,
                        "mean": round(statistics.fmean(fresh), 1) if fresh else None,
                    },
                    "commit_to_kafka_s": {
                        "markers": len(feed_lag), "p50": _percentile(feed_lag, 50),
                        "p95": _percentile(feed_lag, 95), "p99": _percentile(feed_lag, 99),
                        "max": round(max(feed_lag), 2) if feed_lag else None,
                    },
                })  # fmt: skip
                print(fmt, runs[-1], flush=True)
            result["formats"][fmt] = {
                "value_bytes_per_change": record_bytes(ep.kafka),
                "runs": runs,
                "sinks_alone": sink_drain(api, src, ep.kafka),
            }
            print(fmt, result["formats"][fmt]["sinks_alone"], flush=True)
            write("cdc", result)
        use_format(api, ep.kafka, FORMATS[0])
    finally:
        timed("down")


if __name__ == "__main__":
    main()
