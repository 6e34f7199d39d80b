"""`pororoca curate --follow MINUTES`: silver in near real time. One Spark engine stays up and merges bronze into
silver in rounds, back to back: each round curates only the silver tables whose bronze change log has a new
commit, two at a time, each exactly as a batch curation does (`curate.curate_table`: the offset watermark, the
same MERGE). Airflow runs it (dags/pororoca_curate_stream.py) for MINUTES at a time and starts the next run
as this one ends, so the engine's start-up is paid once per run instead of once per round, and every run is a
task with its log, retries and alerts."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime

from py4j.protocol import Py4JJavaError
from pyspark.sql import SparkSession

from pororoca_core.lakehouse import CATALOG
from pororoca_spark import control, maintain
from pororoca_spark.curate import TableRun, curate_table, ensure_tombstones
from pororoca_spark.entities import SilverTable

# Another engine's metadata cache would hide bronze's newest commits from the change check for up to 30 s.
SESSION_CONF = {f"spark.sql.catalog.{CATALOG}.cache-enabled": "false"}
WORKERS = 2

Snapshots = dict[str, int | None]  # bronze table -> current snapshot id (None: no commit yet)


def due(tables: Iterable[SilverTable], current: Snapshots, merged: Snapshots) -> list[SilverTable]:
    """The tables whose bronze has a commit their last merge did not see (any commit: an append brings
    changes, a compaction none, and the watermark tells them apart cheaply)."""
    return [t for t in tables if t.source in current and current[t.source] != merged.get(t.source, -1)]


@dataclass(frozen=True)
class Totals:
    """What one follow run did to a table, over all its rounds: the control table's row for it."""

    table: str
    rounds: int
    rows_read: int
    rows_written: int
    started_at: datetime
    finished_at: datetime

    @staticmethod
    def of(run: TableRun) -> Totals:
        return Totals(run.table, 1, run.rows_read, run.rows_written, run.started_at, run.finished_at)

    def add(self, run: TableRun) -> Totals:
        return replace(self, rounds=self.rounds + 1, rows_read=self.rows_read + run.rows_read,
                       rows_written=self.rows_written + run.rows_written, finished_at=run.finished_at)  # fmt: skip


def lag_s(runs: list[TableRun], now: datetime) -> float | None:
    """How old the newest change a round merged was when the round ended: a lower bound of the freshness."""
    newest = [r.newest_source_ts for r in runs if r.newest_source_ts is not None]
    return (now - max(newest).astimezone()).total_seconds() if newest else None


def current_snapshots(spark: SparkSession, sources: Iterable[str]) -> Snapshots:
    """Each bronze table's current snapshot, from its metadata alone (no Spark job): cheap enough to ask every
    few seconds. A table not created yet (its connector has not written) is left out."""
    out: Snapshots = {}
    for source in sorted(set(sources)):
        try:
            snapshot = maintain.iceberg_table(spark, source).currentSnapshot()
        except Py4JJavaError as e:
            if "NoSuchTableException" in str(e):
                continue
            raise
        out[source] = None if snapshot is None else int(snapshot.snapshotId())
    return out


class Follower:
    """Rounds of curation on one engine until `deadline` (monotonic seconds) or `stop`."""

    def __init__(
        self,
        spark: SparkSession,
        tables: list[SilverTable],
        pseudonym_key: str,
        round_lock: Callable[[], AbstractContextManager[object]],
        log: Callable[[str], None] = print,
    ):
        self.spark, self.tables, self.key, self.round_lock, self.log = spark, tables, pseudonym_key, round_lock, log
        self.merged: Snapshots = {}
        self.totals: dict[str, Totals] = {}
        self.rounds = 0
        self._tombstones = threading.Lock()
        self._local = threading.local()

    def _session(self) -> SparkSession:
        # Each worker its own session: curation sets the watermark as a session setting for its commit.
        if not hasattr(self._local, "spark"):
            self._local.spark = self.spark.newSession()
        return self._local.spark

    def _curate(self, t: SilverTable) -> TableRun | None:
        try:
            return curate_table(self._session(), t, self.key, tombstones_guard=self._tombstones)
        except Py4JJavaError as e:
            if control.concurrent_commit(str(e)):  # another writer committed first: the next round reads again
                self.log(f"  {t.name}: another commit landed during the merge; merging again next round")
                return None
            raise

    def round(self, pool: ThreadPoolExecutor) -> list[TableRun]:
        current = current_snapshots(self.spark, {t.source for t in self.tables})
        todo = due(self.tables, current, self.merged)
        if not todo:
            return []
        t0 = time.monotonic()
        with self.round_lock():
            results = list(pool.map(self._curate, todo))
        self.rounds += 1
        runs = [r for r in results if r is not None]
        failed = {t.source for t, r in zip(todo, results, strict=True) if r is None}
        for t in todo:
            if t.source not in failed:
                self.merged[t.source] = current[t.source]
        for r in runs:
            self.totals[r.table] = self.totals[r.table].add(r) if r.table in self.totals else Totals.of(r)
        read, written = sum(r.rows_read for r in runs), sum(r.rows_written for r in runs)
        lag = lag_s(runs, datetime.now().astimezone())
        age = f"; newest merged change {lag:.0f}s old" if lag is not None else ""
        self.log(f"round {self.rounds}: {len(todo)} table(s), {read:,} changes read, {written:,} merged in "
                 f"{time.monotonic() - t0:.1f}s{age}")  # fmt: skip
        return runs

    def run(self, deadline: float, every_s: float, stop: threading.Event) -> None:
        ensure_tombstones(self.spark)
        with ThreadPoolExecutor(WORKERS, thread_name_prefix="curate") as pool:
            while not stop.is_set() and time.monotonic() < deadline:
                started = time.monotonic()
                self.round(pool)
                stop.wait(max(0.0, min(deadline, started + every_s) - time.monotonic()))

    def compact(self, above_files: int) -> None:
        """Each round's MERGE adds a data file and delete files to the table it merges into: before the run ends,
        the tables it merged into that hold more than `above_files` are compacted under the round lock (no MERGE
        meanwhile); one whose compaction fails is left for the next run or the nightly maintenance."""
        by_name = {t.name: t for t in self.tables}
        for name in sorted(n for n, t in self.totals.items() if t.rows_written):
            data, deletes = maintain.file_counts(self.spark, name)
            if data + deletes <= above_files:
                continue
            try:
                with self.round_lock():
                    done = maintain.compact(self.spark, name, by_name[name].sort)
            except Py4JJavaError as e:
                done = f"left for later ({str(e).strip().splitlines()[0][:200]})"
            self.log(f"  {name}: {data:,} data and {deletes:,} delete files; compaction {done}")

    def control_rows(self, spark: SparkSession, run_id: str) -> list[control.ControlRow]:
        return [
            control.ControlRow(
                run_id,
                "curate",
                t.table,
                t.started_at,
                t.finished_at,
                t.rows_read,
                t.rows_written,
                control.newest_source_ts(spark, t.table),
                f"follow: {t.rounds} round(s)",
            )
            for t in self.totals.values()
        ]


def stop_on_sigterm() -> threading.Event:
    """Stopped by SIGTERM (Airflow killing the task, `supervisorctl stop`): the round under way ends first."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    return stop
