"""What the source databases need before a Debezium connector starts: grants and the publication."""

from __future__ import annotations

import time

import psycopg
from psycopg import errors, sql

from pororoca_core.errors import ConfigError
from pororoca_core.rows import scalar

PUBLICATION = "pororoca_cdc"
_RETRIES = 5


def captured_tables(conn: psycopg.Connection, excluded: set[str]) -> list[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").fetchall()
    return [t for (t,) in rows if f"public.{t}" not in excluded]


def _retrying(conn: psycopg.Connection, statement: sql.Composed) -> None:
    """One short transaction per change. A running connector's snapshot or heartbeat can hold locks on the same
    tables: wait briefly and retry rather than deadlock or block it."""
    for attempt in range(_RETRIES):
        try:
            with conn.transaction():
                conn.execute("SET LOCAL lock_timeout = '5s'")
                conn.execute(statement)
            return
        except (errors.DeadlockDetected, errors.LockNotAvailable):
            if attempt == _RETRIES - 1:
                raise
            time.sleep(1 + attempt)


def prepare_postgres(conn: psycopg.Connection, connector_config: dict[str, str]) -> list[str]:
    """As the tables' owner, on an autocommit connection: the CDC role may read the captured tables and beat the
    heartbeat; the publication holds exactly the captured tables. Changes only what is missing, each change in
    its own short transaction; returns what changed."""
    changes: list[str] = []
    role = connector_config["database.user"]
    excluded = set(filter(None, connector_config.get("table.exclude.list", "").split(",")))
    tables = captured_tables(conn, excluded)
    ident = sql.Identifier(role)
    denied = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND NOT has_table_privilege(%s, format('%%I.%%I', schemaname, tablename), 'SELECT')",
        (role,),
    ).fetchall()
    unreadable = sorted({t for (t,) in denied} & set(tables))
    if unreadable:
        names = sql.SQL(", ").join(map(sql.Identifier, unreadable))
        _retrying(conn, sql.SQL("GRANT SELECT ON {} TO {}").format(names, ident))
        changes.append(f"granted SELECT on {len(unreadable)} tables to {role}")
    _retrying(conn, sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {}").format(ident))
    if not scalar(conn.execute("SELECT has_table_privilege(%s, 'public.cdc_heartbeat', 'UPDATE')", (role,)).fetchone()):
        _retrying(conn, sql.SQL("GRANT INSERT, UPDATE ON cdc_heartbeat TO {}").format(ident))
    changes.extend(full_replica_identity(conn, tables))
    name = connector_config.get("publication.name", PUBLICATION)
    table_list = sql.SQL(", ").join(sql.Identifier(t) for t in tables)
    current = conn.execute("SELECT tablename FROM pg_publication_tables WHERE pubname = %s", (name,)).fetchall()
    exists = conn.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", (name,)).fetchone()
    if not exists:
        _retrying(conn, sql.SQL("CREATE PUBLICATION {} FOR TABLE {}").format(sql.Identifier(name), table_list))
        changes.append(f"created publication {name} ({len(tables)} tables)")
    elif sorted(t for (t,) in current) != tables:
        _retrying(conn, sql.SQL("ALTER PUBLICATION {} SET TABLE {}").format(sql.Identifier(name), table_list))
        changes.append(f"publication {name} now holds {len(tables)} tables")
    return changes


def full_replica_identity(conn: psycopg.Connection, tables: list[str]) -> list[str]:
    """Every captured table logs its whole old row (REPLICA IDENTITY FULL): an update then carries every
    unchanged large (TOASTed) value instead of Debezium's placeholder, and a delete carries the removed row
    instead of invented defaults. The cost is WAL: each update or delete also logs the old row, whose average
    width (pg_stats, once the table was analysed) is reported."""
    query = (
        "SELECT c.relname, c.relreplident, coalesce((SELECT sum(avg_width) FROM pg_stats s "
        "WHERE s.schemaname = 'public' AND s.tablename = c.relname), 0) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
    )
    rows = conn.execute(query).fetchall()
    unmeasured = [t for t, identity, width in rows if t in tables and identity != "f" and not width]
    for table in unmeasured:  # once, for the report: row widths come from the planner's statistics
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
    if unmeasured:
        rows = conn.execute(query).fetchall()
    changes = []
    for table, identity, width in rows:
        if table in tables and identity != "f":
            _retrying(conn, sql.SQL("ALTER TABLE {} REPLICA IDENTITY FULL").format(sql.Identifier(table)))
            cost = f"~{int(width)} more WAL bytes per update/delete" if width else "empty table"
            changes.append(f"{table}: replica identity FULL ({cost})")
    return changes


def replica_identities(conn: psycopg.Connection, tables: list[str]) -> dict[str, str]:
    """Table -> its replica identity (`d` default, `f` full, `i` index, `n` nothing)."""
    rows = conn.execute(
        "SELECT c.relname, c.relreplident FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relname = ANY(%s)",
        (tables,),
    ).fetchall()
    return dict(rows)


def check_mariadb_row_image(cursor) -> None:
    """Debezium needs every column of every row in the binlog: row format, full row image."""
    cursor.execute("SELECT @@GLOBAL.binlog_format, @@GLOBAL.binlog_row_image")
    fmt, image = cursor.fetchone()
    if (fmt, image) != ("ROW", "FULL"):
        raise ConfigError(
            f"MariaDB logs binlog_format={fmt}, binlog_row_image={image}: CDC needs ROW and FULL (unchanged and "
            "deleted values are otherwise missing). Set them in the server's configuration and restart it."
        )
