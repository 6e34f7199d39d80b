"""`pororoca lakehouse rollback TABLE --to SNAPSHOT_ID|TIMESTAMP`: make an earlier state of a table current.

The target must be in the table's current lineage (an ancestor of the current snapshot, within its
time-travel window); a timestamp names the snapshot that was current at that moment. Nothing is deleted:
the newer snapshots stay in the metadata until maintenance expires them, so a rollback can itself be
rolled forward by snapshot id. Without `--yes` the command only prints the plan. Every rollback is a row in
`gold.pipeline_runs` (job `rollback`, `detail` says from which snapshot to which).

Writers keep writing: the streaming sink's next commit builds on the rolled-back state, and curation, whose
watermark lives in silver's snapshot summaries, re-reads from the watermark of the restored snapshot (its
MERGE is idempotent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from pyspark.sql import SparkSession

from pororoca_core.errors import ExitCode, UsageError
from pororoca_core.lakehouse import CATALOG
from pororoca_spark import control

_TABLE = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class Target:
    snapshot_id: int | None = None
    at: datetime | None = None  # aware, UTC

    def __str__(self) -> str:
        return f"snapshot {self.snapshot_id}" if self.snapshot_id is not None else f"the state at {self.at}"


def parse_target(text: str) -> Target:
    """A snapshot id (digits) or an ISO-8601 timestamp with its offset; a timestamp without one is refused,
    since the same wall time names different moments in Sao Paulo and in UTC."""
    text = text.strip()
    if text.isdigit():
        return Target(snapshot_id=int(text))
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--to {text!r}: give a snapshot id or an ISO timestamp such as 2026-12-02T10:15:00-03:00"
        ) from None
    if at.tzinfo is None:
        raise UsageError(f"--to {text!r}: add the UTC offset (e.g. {text}-03:00 or {text}Z)")
    return Target(at=at.astimezone(UTC))


def check_table(name: str) -> str:
    if not _TABLE.match(name):
        raise UsageError(f"{name!r}: name the table as namespace.table, e.g. silver.pix_transfers")
    return name


@dataclass(frozen=True)
class Lineage:
    """The table's current lineage, oldest first: (snapshot id, made current at)."""

    entries: tuple[tuple[int, datetime], ...]

    @property
    def current(self) -> int:
        return self.entries[-1][0]

    def resolve(self, target: Target) -> int:
        ids = [s for s, _ in self.entries]
        if target.snapshot_id is not None:
            if target.snapshot_id not in ids:
                raise UsageError(
                    f"snapshot {target.snapshot_id} is not in the table's current lineage (expired, or on a "
                    'branch rolled back from): `SELECT * FROM "<table>$history"` in Trino lists the ones there are'
                )
            return target.snapshot_id
        assert target.at is not None
        before = [s for s, at in self.entries if at <= target.at]
        if not before:
            oldest = self.entries[0][1].isoformat()
            raise UsageError(f"{target.at.isoformat()} is before the oldest snapshot still kept ({oldest})")
        return before[-1]


def lineage(spark: SparkSession, table: str) -> Lineage:
    rows = spark.sql(
        f"SELECT snapshot_id, made_current_at FROM {CATALOG}.{table}.history WHERE is_current_ancestor "
        "ORDER BY made_current_at"
    ).collect()
    if not rows:
        raise UsageError(f"{table} has no snapshot yet: nothing to roll back to")
    return Lineage(tuple((int(r["snapshot_id"]), r["made_current_at"].astimezone(UTC)) for r in rows))


def rows_at(spark: SparkSession, table: str, snapshot_id: int) -> int:
    return int(spark.sql(f"SELECT count(*) AS n FROM {CATALOG}.{table} VERSION AS OF {snapshot_id}").collect()[0]["n"])


def run(spark: SparkSession, table: str, target: Target, yes: bool, run_id: str, log=print) -> int:
    if not spark.catalog.tableExists(f"{CATALOG}.{table}"):
        raise UsageError(f"no table {table} in the lakehouse")
    started = datetime.now(UTC)
    history = lineage(spark, table)
    to = history.resolve(target)
    current = history.current
    if to == current:
        log(f"rollback: {table} is already at snapshot {to}; nothing to do")
        return 0
    before, after = rows_at(spark, table, current), rows_at(spark, table, to)
    log(f"rollback: {table}: current snapshot {current} ({before:,} rows) -> snapshot {to} ({after:,} rows), {target}")
    if not yes:
        log("rollback: nothing changed; run again with --yes to roll back")
        return ExitCode.USAGE
    spark.sql(f"CALL {CATALOG}.system.rollback_to_snapshot(table => '{table}', snapshot_id => {to})").collect()
    finished = datetime.now(UTC)
    detail = f"rolled back from snapshot {current} to snapshot {to} (asked for {target})"
    row = control.ControlRow(run_id, "rollback", table, started, finished, before, after, None, detail)
    control.record(spark, [row])
    log(f"rollback: done; {table} reads snapshot {to}; recorded in {control.TABLE} (run {run_id})")
    return 0
