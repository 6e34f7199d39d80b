"""What the source databases need before a Debezium connector starts: grants and the publication."""

from __future__ import annotations

import psycopg
from psycopg import sql

PUBLICATION = "pororoca_cdc"


def captured_tables(conn: psycopg.Connection, excluded: set[str]) -> list[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").fetchall()
    return [t for (t,) in rows if f"public.{t}" not in excluded]


def prepare_postgres(conn: psycopg.Connection, connector_config: dict[str, str]) -> list[str]:
    """As the tables' owner: the CDC role may read them and beat the heartbeat; the publication holds exactly the
    captured tables. Returns what changed (empty when everything was already in place)."""
    changes = []
    role = connector_config["database.user"]
    excluded = set(filter(None, connector_config.get("table.exclude.list", "").split(",")))
    tables = captured_tables(conn, excluded)
    ident = sql.Identifier(role)
    conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(ident))
    conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {}").format(ident))
    conn.execute(sql.SQL("GRANT INSERT, UPDATE ON cdc_heartbeat TO {}").format(ident))
    name = connector_config.get("publication.name", PUBLICATION)
    table_list = sql.SQL(", ").join(sql.Identifier(t) for t in tables)
    current = conn.execute("SELECT tablename FROM pg_publication_tables WHERE pubname = %s", (name,)).fetchall()
    exists = conn.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", (name,)).fetchone()
    if not exists:
        conn.execute(sql.SQL("CREATE PUBLICATION {} FOR TABLE {}").format(sql.Identifier(name), table_list))
        changes.append(f"created publication {name} ({len(tables)} tables)")
    elif sorted(t for (t,) in current) != tables:
        conn.execute(sql.SQL("ALTER PUBLICATION {} SET TABLE {}").format(sql.Identifier(name), table_list))
        changes.append(f"publication {name} now holds {len(tables)} tables")
    conn.commit()
    return changes
