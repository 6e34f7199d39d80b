"""`pororoca sources load`: the generated data set into both source systems, once.

Each database is loaded in one transaction (PostgreSQL with COPY, MariaDB with multi-row INSERTs) and
records the load in `source_loads`; an interrupted load rolls back entirely, so running it again
neither duplicates nor skips anything. Loading the same data twice is a no-op; loading different data
over a loaded database needs `--reset`.

A load ends as a bulk load should (PostgreSQL's "Populating a Database"): the core tables vacuumed and analysed,
so the planner has statistics and the first reader (the initial snapshot, the simulator) does not pay for the
load's hint bits and visibility map; MariaDB's tables are analysed."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from pororoca_core.errors import OperationFailed
from pororoca_core.rows import scalar
from pororoca_sources.connections import ACQUIRING_DB, CORE_DB, Sources
from pororoca_sources.generate import Dataset, Table

Say = Callable[[str], None]
Advance = Callable[[int], None]


def _nothing(_: int) -> None:
    pass


_LEDGER = (
    "CREATE TABLE IF NOT EXISTS source_loads (fingerprint char(64) PRIMARY KEY, seed bigint NOT NULL, "
    "scale double precision NOT NULL, as_of date NOT NULL, loaded_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP)"
)


class LoadError(OperationFailed):
    pass


def _check_ledger(database: str, rows: list[tuple], ds: Dataset, reset: bool) -> bool:
    """True when this exact data set is already loaded."""
    if any(r[0] == ds.fingerprint() for r in rows) and not reset:
        return True
    if rows and not reset:
        seed, scale = rows[0][1], rows[0][2]
        raise LoadError(
            f"{database} already holds a different load (seed {seed}, scale {scale}); "
            "re-run with --reset to replace it (this deletes the source data and whatever was simulated)"
        )
    return False


def load_core(src: Sources, ds: Dataset, say: Say, reset: bool = False, advance: Advance = _nothing) -> None:
    fp = ds.fingerprint()
    with src.core() as conn:
        conn.execute(_LEDGER)
        conn.commit()
        if _check_ledger(
            CORE_DB, conn.execute("SELECT fingerprint, seed, scale FROM source_loads").fetchall(), ds, reset
        ):
            say(f"{CORE_DB}: this data set (seed {ds.seed}, scale {ds.scale}) is already loaded; nothing to do")
            return
        with conn.transaction():
            if reset:
                conn.execute(f"TRUNCATE {', '.join(ds.core)}, source_loads RESTART IDENTITY CASCADE")
            elif any(scalar(conn.execute(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()) for t in ds.core):
                raise LoadError(f"{CORE_DB} has rows but no recorded load; re-run with --reset to replace them")
            for name, table in ds.core.items():
                t0 = time.monotonic()
                with conn.cursor().copy(f"COPY {name} ({', '.join(table.columns)}) FROM STDIN") as copy:
                    for row in table.rows:
                        copy.write_row(row)
                say(f"  {CORE_DB}.{name:<22} {len(table.rows):>9,} rows  {time.monotonic() - t0:5.1f}s")
                advance(len(table.rows))
            identities = conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND is_identity = 'YES'"
            ).fetchall()
            for table_name, column in identities:
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table_name}', '{column}'), "
                    f"coalesce((SELECT max({column}) FROM {table_name}), 0) + 1, false)"
                )
            conn.execute(
                "INSERT INTO source_loads (fingerprint, seed, scale, as_of) VALUES (%s, %s, %s, %s)",
                (fp, ds.seed, ds.scale, ds.as_of),
            )
    t0 = time.monotonic()
    with src.core(autocommit=True) as conn:
        for name in ds.core:
            conn.execute(f"VACUUM (ANALYZE) {name}")
    say(f"  {CORE_DB}: vacuumed and analysed  {time.monotonic() - t0:5.1f}s")


def _naive_utc(row: tuple) -> tuple:
    # MariaDB DATETIME has no zone: the server runs at UTC and we store UTC wall time.
    return tuple(v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in row)


def _insert_many(cur, name: str, table: Table, batch: int = 5_000) -> None:
    sql = f"INSERT INTO {name} ({', '.join(table.columns)}) VALUES ({', '.join(['%s'] * len(table.columns))})"
    for i in range(0, len(table.rows), batch):
        cur.executemany(sql, [_naive_utc(r) for r in table.rows[i : i + batch]])


def load_acquiring(src: Sources, ds: Dataset, say: Say, reset: bool = False, advance: Advance = _nothing) -> None:
    conn = src.acquiring()
    with conn, conn.cursor() as cur:
        cur.execute(_LEDGER)
        cur.execute("SELECT fingerprint, seed, scale FROM source_loads")
        if _check_ledger(ACQUIRING_DB, list(cur.fetchall()), ds, reset):
            say(f"{ACQUIRING_DB}: this data set is already loaded; nothing to do")
            return
        if reset:
            cur.execute("SET FOREIGN_KEY_CHECKS = 0")
            for name in [*reversed(ds.acquiring), "source_loads"]:
                cur.execute(f"TRUNCATE TABLE {name}")  # TRUNCATE commits: the reset happens before the load
            cur.execute("SET FOREIGN_KEY_CHECKS = 1")
        for name in ds.acquiring:
            cur.execute(f"SELECT EXISTS (SELECT 1 FROM {name})")
            if scalar(cur.fetchone()):
                raise LoadError(f"{ACQUIRING_DB}.{name} has rows but no recorded load; re-run with --reset")
        conn.begin()
        for name, table in ds.acquiring.items():
            t0 = time.monotonic()
            _insert_many(cur, name, table)
            say(f"  {ACQUIRING_DB}.{name:<17} {len(table.rows):>9,} rows  {time.monotonic() - t0:5.1f}s")
            advance(len(table.rows))
        cur.execute(
            "INSERT INTO source_loads (fingerprint, seed, scale, as_of) VALUES (%s, %s, %s, %s)",
            (ds.fingerprint(), ds.seed, ds.scale, ds.as_of),
        )
        conn.commit()
        cur.execute(f"ANALYZE TABLE {', '.join(ds.acquiring)}")
        cur.fetchall()


def loaded_params(src: Sources) -> set[tuple[int, float, str]]:
    """(seed, scale, as_of) of the loads recorded in *both* databases."""
    found = []
    with src.core() as conn:
        conn.execute(_LEDGER)
        found.append(
            {(int(a), float(b), str(c)) for a, b, c in conn.execute("SELECT seed, scale, as_of FROM source_loads")}
        )
    conn2 = src.acquiring()
    with conn2, conn2.cursor() as cur:
        cur.execute(_LEDGER)
        cur.execute("SELECT seed, scale, as_of FROM source_loads")
        found.append({(int(a), float(b), str(c)) for a, b, c in cur.fetchall()})
    return found[0] & found[1]


def load(src: Sources, ds: Dataset, say: Say = print, reset: bool = False, advance: Advance = _nothing) -> None:
    """`advance(n)` after each table with its row count: the caller's progress."""
    load_core(src, ds, say, reset, advance)
    load_acquiring(src, ds, say, reset, advance)
