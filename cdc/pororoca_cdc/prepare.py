"""What the source databases need before a Debezium connector starts: grants and the publication."""

from __future__ import annotations

import time

import psycopg
from psycopg import errors, sql

PUBLICATION = "pororoca_cdc"
_RETRIES = 5


def captured_tables(conn: psycopg.Connection, excluded: set[str]) -> list[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").fetchall()
    return [t for (t,) in rows if f"public.{t}" not in excluded]


def _retrying(conn: psycopg.Connection, statement: sql.Composable) -> None:
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
    if not conn.execute("SELECT has_table_privilege(%s, 'public.cdc_heartbeat', 'UPDATE')", (role,)).fetchone()[0]:
        _retrying(conn, sql.SQL("GRANT INSERT, UPDATE ON cdc_heartbeat TO {}").format(ident))
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
