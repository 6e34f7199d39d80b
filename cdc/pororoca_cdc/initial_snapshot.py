"""A Debezium source's first start: its initial snapshot in bulk (`bulk_snapshot`) or, failing that, by Debezium.

A connector new to Connect is created stopped. With a stored offset (it ran before under that name) it resumes
from there. Without one, its tables are read in bulk unless something makes that inexact, which is then said:
`--initial-snapshot debezium`, a column type the bulk reader cannot convert exactly, or a bronze table that
already holds streamed changes (a bulk snapshot must be the start of the change log).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from pyiceberg.catalog import Catalog

from pororoca_catalog import CapturedSource, mariadb_tables, postgres_tables
from pororoca_catalog.types import SourceColumn
from pororoca_cdc import bulk_plan, bulk_snapshot, connect
from pororoca_cdc.bronze import captured_source
from pororoca_cdc.bulk_snapshot import MariadbLogin, PostgresLogin, Written
from pororoca_core import progress

Say = Callable[[str], None]


@dataclass(frozen=True)
class NewSource:
    connector: connect.Connector
    source: CapturedSource
    tables: dict[str, list[SourceColumn]]  # the captured ones
    bulk_refused: str | None  # why Debezium snapshots it instead; None: read in bulk

    @property
    def name(self) -> str:
        return self.connector.name


def _postgres_login(c: connect.Connector, secrets: dict[str, str]) -> PostgresLogin:
    return PostgresLogin(
        c.config["database.hostname"],
        int(c.config["database.port"]),
        c.config["database.user"],
        secrets["postgres_cdc_password"],
        c.config["database.dbname"],
    )


def _mariadb_login(c: connect.Connector, secrets: dict[str, str], database: str) -> MariadbLogin:
    return MariadbLogin(
        c.config["database.hostname"],
        int(c.config["database.port"]),
        c.config["database.user"],
        secrets["mariadb_cdc_password"],
        database,
    )


def _source_tables(
    c: connect.Connector, source: CapturedSource, secrets: dict[str, str]
) -> dict[str, list[SourceColumn]]:
    if source.dialect == "postgres":
        with _postgres_login(c, secrets).connect() as conn:
            tables = postgres_tables(conn, source.schema)
    else:
        login = _mariadb_login(c, secrets, source.schema)
        import pymysql

        conn = pymysql.connect(
            host=login.host, port=login.port, user=login.user, password=login.password, database=login.database
        )
        with conn:
            tables = mariadb_tables(conn, source.schema)
    return {t: cols for t, cols in tables.items() if t not in source.excluded}


def _refusal(mode: str, source: CapturedSource, tables: dict[str, list[SourceColumn]], catalog: Catalog) -> str | None:
    if mode != "bulk":
        return f"--initial-snapshot {mode}"
    odd = [
        f"{t}.{why}"
        for t, cols in sorted(tables.items())
        for c in cols
        if (why := bulk_plan.unsupported(source.dialect, c))
    ]
    if odd:
        return f"column type(s) the bulk reader does not convert: {', '.join(odd[:5])}"
    streamed = [
        t for t in sorted(tables) if bulk_snapshot.bronze_holds_changes(catalog.load_table(source.bronze_table(t)))
    ]
    if streamed:
        return f"bronze already holds streamed changes of {', '.join(streamed[:5])}"
    return None


def _wait_streaming(api: connect.Api, name: str, timeout: float) -> None:
    """Until the connector stored an offset outside a snapshot: it has read its start position and streams."""
    deadline = time.monotonic() + timeout
    while connect.snapshotting(api, name):
        if time.monotonic() > deadline:
            raise bulk_snapshot.BulkSnapshotError(f"{name} stored no streaming offset within {timeout:.0f}s")
        time.sleep(1)


def pending(api: connect.Api, sources: list[connect.Connector], say: Say) -> list[connect.Connector]:
    """The source connectors still to be started for the first time: new to Connect, or left by an interrupted
    `cdc apply`: stopped without an offset (before or during a PostgreSQL bulk read), or still in the no-data mode
    of a MariaDB bulk read (its offset is forgotten; bronze then holds its streamed changes, so Debezium takes the
    snapshot this time, which is exact whatever the earlier attempt left)."""
    out = []
    for c in sources:
        current = connect.config(api, c.name)
        if current is None:
            out.append(c)
        elif current.get("snapshot.mode") == "no_data" and c.config.get("snapshot.mode") != "no_data":
            say(f"  {c.name}: an earlier bulk snapshot did not finish; starting over")
            connect.stop(api, c.name)
            connect.forget_offsets(api, c.name)
            out.append(c)
        elif connect.state(api, c.name) == "STOPPED" and not connect.stored_offsets(api, c.name):
            out.append(c)
    return out


def start(
    api: connect.Api,
    new: list[connect.Connector],
    catalog: Catalog,
    secrets: dict[str, str],
    mode: str,
    timeout: float,
    say: Say,
) -> None:
    """Create each new source connector, take its initial snapshot, and leave it streaming."""
    planned: list[NewSource] = []
    for c in new:
        if connect.config(api, c.name) is None:
            connect.create_stopped(api, c)
        else:  # left stopped by an interrupted start: the definition may have changed since
            connect.reconfigure(api, c.name, c.config)
        if connect.stored_offsets(api, c.name):
            connect.resume(api, c.name)
            say(f"  {c.name}: resumes from its stored offset")
            continue
        source = captured_source(c)
        assert source is not None
        tables = _source_tables(c, source, secrets)
        planned.append(NewSource(c, source, tables, _refusal(mode, source, tables, catalog)))
    for s in planned:
        if s.bulk_refused:
            connect.resume(api, s.name)
            say(f"  {s.name}: Debezium takes the initial snapshot ({s.bulk_refused})")
    bulk = [s for s in planned if not s.bulk_refused]
    if not bulk:
        return
    # MariaDB's connector starts first, without data: the bulk read's consistent snapshot must come after the
    # position it streams from. It gets there while PostgreSQL is read.
    for s in bulk:
        if s.source.dialect == "mariadb":
            connect.reconfigure(api, s.name, {**s.connector.config, "snapshot.mode": "no_data"})
            connect.resume(api, s.name)
    started = time.monotonic()
    total = sum(_estimate(s, secrets) for s in bulk)
    done: list[Written] = []
    with progress.task("initial snapshot (bulk)", total=total or None, unit="rows") as bar:
        rows = 0

        def advance(n: int) -> None:
            nonlocal rows
            rows += n
            bar.update(done=rows)

        for s in sorted(bulk, key=lambda s: s.source.dialect != "postgres"):
            if s.source.dialect == "postgres":
                slot = s.connector.config["slot.name"]
                offset, written = bulk_snapshot.postgres(
                    _postgres_login(s.connector, secrets), slot, catalog, s.source, s.tables, advance
                )
                connect.set_offset(api, s.name, {"server": s.source.prefix}, offset)
                connect.resume(api, s.name)
                at = f"slot {slot} at LSN {offset['lsn']}"
            else:
                _wait_streaming(api, s.name, timeout)
                login = _mariadb_login(s.connector, secrets, s.source.schema)
                position, written = bulk_snapshot.mariadb(login, catalog, s.source, s.tables, advance)
                connect.reconfigure(api, s.name, s.connector.config)  # its definition again, streaming on
                at = f"binlog {position.file}:{(position.pos or 0) + 1}"
            done.extend(written)
            n = sum(w.rows for w in written)
            say(f"  {s.name}: bulk snapshot of {len(written)} tables, {n:,} rows into bronze ({at}); streaming on")
        seconds = time.monotonic() - started
        bar.close(f"initial snapshot: {rows:,} rows in {seconds:.1f}s ({rows / max(seconds, 1e-9):,.0f} rows/s)")


def _estimate(s: NewSource, secrets: dict[str, str]) -> int:
    """Rows to read, from the sources' statistics (for the progress bar only)."""
    tables = sorted(s.tables)
    if s.source.dialect == "postgres":
        with _postgres_login(s.connector, secrets).connect() as conn:
            row = conn.execute(
                "SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = ANY(%s)",
                (s.source.schema, tables),
            ).fetchone()
            return int(row[0]) if row else 0
    import pymysql

    login = _mariadb_login(s.connector, secrets, s.source.schema)
    conn = pymysql.connect(host=login.host, port=login.port, user=login.user, password=login.password)
    with conn, conn.cursor() as cur:
        marks = ", ".join(["%s"] * len(tables))
        cur.execute(
            f"SELECT coalesce(sum(table_rows), 0) FROM information_schema.tables "
            f"WHERE table_schema = %s AND table_name IN ({marks})",
            (s.source.schema, *tables),
        )
        row = cur.fetchone()
        return int(row[0]) if row else 0
