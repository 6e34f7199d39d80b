"""`pororoca curate --follow`: which tables a round curates, what it remembers, and what a run reports."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from py4j.protocol import Py4JJavaError

from pororoca_spark import follow
from pororoca_spark.curate import TableRun
from pororoca_spark.entities import SilverTable

CUSTOMERS = SilverTable("silver.customers", "bronze.core_customers", ("customer_id",), "lsn")
CUSTOMERS_PII = SilverTable("silver_pii.customers", "bronze.core_customers", ("customer_id",), "lsn")
PIX = SilverTable("silver.pix_transfers", "bronze.core_pix_transfers", ("transfer_id",), "lsn")
POS = SilverTable("silver.pos_transactions", "bronze.acquiring_pos_transactions", ("transaction_id",), "binlog")
TABLES = [CUSTOMERS, CUSTOMERS_PII, PIX, POS]
T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def _names(tables: list[SilverTable]) -> list[str]:
    return [t.name for t in tables]


def test_the_first_round_curates_every_table_whose_bronze_exists():
    current = {"bronze.core_customers": 1, "bronze.core_pix_transfers": None}  # POS: not captured yet
    assert _names(follow.due(TABLES, current, {})) == [
        "silver.customers",
        "silver_pii.customers",
        "silver.pix_transfers",
    ]


def test_a_round_curates_only_the_tables_whose_bronze_has_a_new_commit():
    merged = {"bronze.core_customers": 1, "bronze.core_pix_transfers": 7, "bronze.acquiring_pos_transactions": 3}
    assert follow.due(TABLES, merged, merged) == []
    moved = {**merged, "bronze.core_customers": 2}
    # Both silver tables of the same change log follow it.
    assert _names(follow.due(TABLES, moved, merged)) == ["silver.customers", "silver_pii.customers"]


def _run(table: str, read: int, at: datetime, newest: datetime | None = None) -> TableRun:
    return TableRun(table, read, read // 2, newest, at, at + timedelta(seconds=2), False)


def test_a_run_adds_up_its_rounds_per_table():
    totals = follow.Totals.of(_run("silver.pix_transfers", 10, T0)).add(
        _run("silver.pix_transfers", 4, T0 + timedelta(minutes=1))
    )
    assert (totals.rounds, totals.rows_read, totals.rows_written) == (2, 14, 7)
    assert totals.started_at == T0 and totals.finished_at == T0 + timedelta(minutes=1, seconds=2)


def test_the_lag_is_the_age_of_the_newest_change_merged():
    runs = [
        _run("a", 1, T0, T0 - timedelta(seconds=40)),
        _run("b", 1, T0, T0 - timedelta(seconds=12)),
        _run("c", 0, T0),
    ]
    assert follow.lag_s(runs, T0) == pytest.approx(12.0)
    assert follow.lag_s([_run("c", 0, T0)], T0) is None


class _Conflict(Py4JJavaError):
    def __init__(self) -> None:
        Exception.__init__(self, "conflict")

    def __str__(self) -> str:
        return "org.apache.iceberg.exceptions.ValidationException: Found conflicting files that can contain records"


class _Spark:
    def newSession(self) -> _Spark:
        return self


@pytest.fixture
def lake(monkeypatch):
    """Bronze snapshots the test moves, and a curation that conflicts on the tables listed in `conflicts`."""
    state = {"snapshots": {"bronze.core_customers": 1, "bronze.core_pix_transfers": 1}, "conflicts": set(), "locks": 0}

    def curate_table(spark, t, key, tombstones_guard=None):
        if t.name in state["conflicts"]:
            raise _Conflict()
        return _run(t.name, 5, T0)

    monkeypatch.setattr(follow, "current_snapshots", lambda spark, sources: dict(state["snapshots"]))
    monkeypatch.setattr(follow, "curate_table", curate_table)

    @contextmanager
    def lock():
        state["locks"] += 1
        yield

    said: list[str] = []
    return state, follow.Follower(_Spark(), [CUSTOMERS, PIX], "key", lock, said.append), said  # type: ignore[arg-type]


def test_a_table_another_writer_beat_is_merged_again_next_round_and_the_rest_is_not(lake):
    from concurrent.futures import ThreadPoolExecutor

    state, follower, said = lake
    state["conflicts"] = {"silver.pix_transfers"}
    with ThreadPoolExecutor(2) as pool:
        assert [r.table for r in follower.round(pool)] == ["silver.customers"]
        assert any("silver.pix_transfers: another commit landed" in s for s in said)
        state["conflicts"] = set()
        assert [r.table for r in follower.round(pool)] == ["silver.pix_transfers"]
        assert follower.round(pool) == []  # nothing new in bronze: no lock taken, no Spark job
        assert state["locks"] == 2 and follower.rounds == 2
        state["snapshots"]["bronze.core_customers"] = 2
        assert [r.table for r in follower.round(pool)] == ["silver.customers"]
    assert {t: (x.rounds, x.rows_read) for t, x in follower.totals.items()} == {
        "silver.customers": (2, 10), "silver.pix_transfers": (1, 5)
    }  # fmt: skip
    assert "round 3: 1 table(s), 5 changes read, 2 merged" in said[-1]


def test_a_run_compacts_only_the_tables_it_merged_into_that_hold_too_many_files(lake, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    state, follower, said = lake
    with ThreadPoolExecutor(2) as pool:
        follower.round(pool)
    counts = {"silver.customers": (70, 10), "silver.pix_transfers": (3, 1)}
    compacted: list[str] = []

    def compact(spark, name, sort):
        compacted.append(name)
        if name == "silver.customers":
            raise _Conflict()
        return "rewrote 70 files into 1"

    monkeypatch.setattr(follow.maintain, "file_counts", lambda spark, name: counts[name])
    monkeypatch.setattr(follow.maintain, "compact", compact)
    follower.compact(above_files=64)
    assert compacted == ["silver.customers"]  # pix_transfers holds 4 files: left alone
    assert "silver.customers: 70 data and 10 delete files; compaction left for later" in said[-1]
    locks = state["locks"]
    follower.totals.clear()
    follower.compact(above_files=64)
    assert state["locks"] == locks  # nothing merged: nothing compacted, no lock taken
