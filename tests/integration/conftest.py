"""A real, separate test stack: its own state directory and ports (+1000), so a developer's running
stack and its data are never touched. Started once per session through the CLI, stopped at the end."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pororoca_core import lakehouse, services
from pororoca_core.paths import Paths

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PORT_OFFSET = 1000
GOLD_TABLES = 17  # gold holds at least this many tables once the KPI job ran
CLI = str(Path(sys.executable).parent / "pororoca")


# Modules that run before another rather than in alphabetical order: the fraud module leaves a champion, a
# challenger in the shadow and drift, which the dashboards module's model dashboard then shows.
RUNS_BEFORE = {"test_fraud.py": "test_dashboards.py"}
# Modules that run after all others: the initial snapshot module undoes the capture to take a first one again.
RUNS_LAST = frozenset({"test_initial_snapshot.py"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def key(item: pytest.Item) -> tuple[str, int]:
        name = item.path.name
        if name in RUNS_LAST:
            return ("~" + name, 1)  # "~" sorts after every test_ name
        return (RUNS_BEFORE[name], 0) if name in RUNS_BEFORE else (name, 1)

    slots = [i for i, item in enumerate(items) if item.path.parent == Path(__file__).parent]
    ordered = sorted((items[i] for i in slots), key=key)  # stable: a module's own tests keep their order
    for i, item in zip(slots, ordered, strict=True):
        items[i] = item


def _test_env() -> dict[str, str]:
    state = Paths.from_env().state
    return services.isolated_env(services.load(), state.with_name(state.name + "-test"), PORT_OFFSET)


def pororoca(*args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=timeout, env=os.environ.copy())
    if check and result.returncode != 0:
        raise AssertionError(f"pororoca {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def read_all(kafka: dict[str, str], topic: str, committed: bool = True) -> list[tuple[bytes | None, bytes | None]]:
    """(key, value) of every record up to the end of `topic` as it is now."""
    from confluent_kafka import Consumer, TopicPartition
    from confluent_kafka.admin import AdminClient

    consumer = Consumer({
        **kafka, "group.id": f"pororoca-read-{uuid.uuid4().hex[:8]}", "enable.auto.commit": False,
        "auto.offset.reset": "earliest", "isolation.level": "read_committed" if committed else "read_uncommitted",
    })  # fmt: skip
    parts = [
        TopicPartition(topic, p, 0) for p in AdminClient(kafka).list_topics(topic, timeout=10).topics[topic].partitions
    ]
    consumer.assign(parts)
    ends = {p.partition: consumer.get_watermark_offsets(p, timeout=10)[1] for p in parts}
    out: list[tuple[bytes | None, bytes | None]] = []
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            for m in consumer.consume(num_messages=5000, timeout=0.5):
                if m.error() is None:
                    out.append((m.key(), m.value()))
            positions = consumer.position(parts)
            if all(p.offset >= ends[p.partition] or ends[p.partition] == 0 for p in positions):
                return out
    finally:
        consumer.close()
    raise AssertionError(f"{topic}: could not read to its end within 120s")


def poll(predicate, timeout: float, what: str, interval: float = 0.5):
    """The predicate's first truthy value within the deadline (never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture(scope="session")
def paths() -> Iterator[Paths]:
    saved = os.environ.copy()
    os.environ.update(_test_env())
    paths = Paths.from_env()
    # POROROCA_TEST_REUSE=1 (development only): keep the test stack and its data across runs.
    reuse = os.environ.get("POROROCA_TEST_REUSE") == "1"
    if not reuse:
        pororoca("down", check=False, timeout=300)  # a stack left over by an interrupted run
        shutil.rmtree(paths.state, ignore_errors=True)
    up = pororoca("up")
    print(up.stdout)
    try:
        yield paths
    finally:
        if not reuse:
            pororoca("down", check=False, timeout=300)
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def lake_spark(paths: Paths, request: pytest.FixtureRequest) -> Iterator[SparkSession]:
    """A Spark session on the test stack's lake, stopped after the test whatever happens in it."""
    spark = lakehouse.spark_session(paths, f"it-{request.node.name}"[:60], driver_memory="1g")
    try:
        yield spark
    finally:
        spark.stop()


# Names and contents of this session's partner files: a stack reused across runs has ingested earlier runs' files.
FEEDS_RUN = secrets.randbelow(10**9)
_partner_files: dict | None = None


def ensure_partner_files(paths: Paths) -> dict:
    """Four partner drops (bad rows, a truncated file, Parquet, Avro) ingested once per session: the feeds tests
    check them and the health dashboard shows them. Returns what ingestion printed and the alert count before it."""
    global _partner_files
    if _partner_files is not None:
        return _partner_files
    from pororoca_core.alerts import alerts_file

    ensure_gold(paths)  # the sources' customers and merchants, whom the files name
    pororoca("feeds", "apply")
    run = FEEDS_RUN
    drops = [
        ("credit_bureau_scores", "--rows", "200", "--bad-rows", "5", "--name", f"bureau_a_{run}.csv"),
        ("campaign_events", "--rows", "300", "--corrupt", "--name", f"campaign_broken_{run}.jsonl"),
        ("acquirer_settlements", "--rows", "150", "--name", f"settlement_{run}.parquet"),
        ("card_chargebacks", "--rows", "80", "--bad-rows", "3", "--name", f"chargebacks_{run}.avro"),
    ]
    alerts = alerts_file(paths)
    before = alerts.read_text().count("\n") if alerts.exists() else 0
    for feed, *args in drops:
        pororoca("sources", "drop", "--feed", feed, *args, "--seed", str(run))
    # The feeds DAG may already be ingesting these (a drop starts it): this run waits for it, then takes the rest.
    out = pororoca("feeds", "ingest", timeout=900).stdout
    pororoca("feeds", "deadlines", "--hours", "1")  # the missed-deadline table exists, the dashboard reads it
    _partner_files = {"out": out, "alerts_before": before}
    return _partner_files


def ensure_gold(paths: Paths) -> None:
    """Gold as the curation tests leave it, or computed here (directly, without Airflow) when they did not run:
    modules that only read the lake do not depend on which modules ran before them."""
    with lakehouse.trino_connection(lakehouse.Endpoints.of(paths)) as conn:
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'gold'")
        if cur.fetchone()[0] >= GOLD_TABLES:
            return
    pororoca("sources", "load", "--scale", "0.02", "--seed", "42", "--as-of", "2026-11-22")
    pororoca("cdc", "apply")
    pororoca("cdc", "wait", "--timeout", "600", timeout=700)
    pororoca("jobs", "curate", timeout=1800)
    pororoca("jobs", "kpis", timeout=1800)
