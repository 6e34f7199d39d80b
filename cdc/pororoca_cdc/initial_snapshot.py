"""A Debezium source's first start: its initial snapshot in bulk (`bulk_snapshot`) or, failing that, by Debezium.

A connector new to Connect is created stopped. With a stored offset (it ran before under that name) it resumes
from there. Without one, its tables are read in bulk unless something makes that inexact, which is then said:
`--initial-snapshot debezium`, a column type the bulk reader cannot convert exactly, or a bronze table that
already holds streamed changes (a bulk snapshot must be the start of the change log).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from psycopg import sql
from pyiceberg.catalog import Catalog

from pororoca_catalog import CapturedSource, SourceColumn, mariadb_tables, postgres_tables
from pororoca_cdc import bulk_plan, bulk_snapshot, connect
from pororoca_cdc.bronze import captured_source
from pororoca_cdc.bulk_snapshot import MariadbLogin, PostgresLogin
from pororoca_core import kafka_topics, progress
from pororoca_core.rows import scalar

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
        with _mariadb_login(c, secrets, source.schema).connect() as conn:
            tables = mariadb_tables(conn, source.schema)
    return {t: cols for t, cols in tables.items() if t not in source.excluded}


def _refusal(
    mode: str,
    c: connect.Connector,
    source: CapturedSource,
    tables: dict[str, list[SourceColumn]],
    catalog: Catalog,
    secrets: dict[str, str],
) -> str | None:
    if mode != "bulk":
        return f"--initial-snapshot {mode}"
    odd = [f"{t}.{why}" for t, cols in sorted(tables.items()) for col in cols
           if (why := bulk_plan.unsupported(source.dialect, col))]  # fmt: skip
    if odd:
        return f"column type(s) the bulk reader does not convert: {', '.join(odd[:5])}"
    through = bulk_plan.through_topics(source.prefix) & set(tables)
    if through and source.dialect != "postgres":
        return f"{bulk_plan.THROUGH_TOPICS_TOML.name} lists tables of {source.prefix}: only PostgreSQL's can"
    if through:
        keys = bulk_snapshot.postgres_keys(_postgres_login(c, secrets), source.schema)
        for t in sorted(through):
            by_name = {col.name: col for col in tables[t]}
            why = bulk_plan.key_unsupported([by_name[k] for k in keys.get(t, [])])
            if why:
                return f"{t} goes through its topic but has {why}"
    streamed = [t for t in sorted(tables)
                if bulk_snapshot.bronze_holds_changes(catalog.load_table(source.bronze_table(t)))]  # fmt: skip
    if streamed:
        return f"bronze already holds streamed changes of {', '.join(streamed[:5])}"
    return None


def _history_end(kafka: dict[str, str], topic: str) -> int:
    admin = kafka_topics.admin(kafka)
    parts = kafka_topics.partitions(admin, lambda t: t == topic)
    return sum(high for _, high in kafka_topics.watermarks(kafka, parts).values())


def _wait_start_position(kafka: dict[str, str], topic: str, before: int, timeout: float) -> None:
    """Until the MariaDB connector has read the binlog position it streams from: it writes its schema history
    (`topic`) right after, so a history record newer than `before` (the topic's end before it started) says so."""
    deadline = time.monotonic() + timeout
    while _history_end(kafka, topic) <= before:
        if time.monotonic() > deadline:
            raise bulk_snapshot.BulkSnapshotError(f"the MariaDB connector wrote no schema history in {timeout:.0f}s")
        time.sleep(0.2)


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
    kafka: dict[str, str],
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
        planned.append(NewSource(c, source, tables, _refusal(mode, c, source, tables, catalog, secrets)))
    for s in planned:
        if s.bulk_refused:
            connect.resume(api, s.name)
            say(f"  {s.name}: Debezium takes the initial snapshot ({s.bulk_refused})")
    bulk = [s for s in planned if not s.bulk_refused]
    if not bulk:
        return
    # MariaDB's connector starts first, without data: the bulk read's consistent snapshot must come after the
    # position it streams from. It gets there while PostgreSQL is read.
    history: dict[str, int] = {}
    for s in bulk:
        if s.source.dialect == "mariadb":
            topic = s.connector.config["schema.history.internal.kafka.topic"]
            history[s.name] = _history_end(kafka, topic)
            connect.reconfigure(api, s.name, {**s.connector.config, "snapshot.mode": "no_data"})
            connect.resume(api, s.name)
    started = time.monotonic()
    total = sum(_estimate(s, secrets) for s in bulk)
    with progress.task("initial snapshot (bulk)", total=total or None, unit="rows") as bar:
        rows = 0
        lock = threading.Lock()

        def advance(n: int) -> None:
            nonlocal rows
            with lock:
                rows += n
                bar.update(done=rows)

        def take(s: NewSource) -> None:
            if s.source.dialect == "postgres":
                slot = s.connector.config["slot.name"]
                through = bulk_plan.through_topics(s.source.prefix) & set(s.tables)
                offset, written = bulk_snapshot.postgres(
                    _postgres_login(s.connector, secrets), slot, catalog, s.source, s.tables, advance, kafka, through
                )
                connect.set_offset(api, s.name, {"server": s.source.prefix}, offset)
                connect.resume(api, s.name)
                at = f"slot {slot} at LSN {offset['lsn']}"
            else:
                topic = s.connector.config["schema.history.internal.kafka.topic"]
                _wait_start_position(kafka, topic, history[s.name], timeout)
                login = _mariadb_login(s.connector, secrets, s.source.schema)
                position, written = bulk_snapshot.mariadb(login, catalog, s.source, s.tables, advance)
                connect.reconfigure(api, s.name, s.connector.config)  # its definition again, streaming on
                at = f"binlog {position.file}:{(position.pos or 0) + 1}"
            direct = [w for w in written if not w.through_topic]
            topics = [w for w in written if w.through_topic]
            n = sum(w.rows for w in direct)
            also = f", {len(topics)} through their topics ({sum(w.rows for w in topics):,} rows)" if topics else ""
            say(f"  {s.name}: bulk snapshot of {len(direct)} tables, {n:,} rows into bronze{also} ({at}); streaming on")

        # One source per thread: MariaDB's reader is bound by its client library's Python, PostgreSQL's by COPY
        # and Arrow, so they share the cores well.
        bulk_snapshot.in_parallel([functools.partial(take, s) for s in bulk])
        seconds = time.monotonic() - started
        bar.close(f"initial snapshot: {rows:,} rows in {seconds:.1f}s ({rows / max(seconds, 1e-9):,.0f} rows/s)")


def _estimate(s: NewSource, secrets: dict[str, str]) -> int:
    """Rows to read (for the progress bar; exact: a freshly loaded table has no planner statistics yet)."""
    total = 0
    if s.source.dialect == "postgres":
        with _postgres_login(s.connector, secrets).connect() as conn:
            for t in s.tables:
                query = sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(s.source.schema), sql.Identifier(t))
                total += int(scalar(conn.execute(query).fetchone()))
        return total
    conn = _mariadb_login(s.connector, secrets, s.source.schema).connect()
    with conn, conn.cursor() as cur:
        for t in s.tables:
            cur.execute(f"SELECT count(*) FROM `{t.replace('`', '``')}`")
            total += int(scalar(cur.fetchone()))
    return total
