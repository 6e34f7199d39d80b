"""Sample every column of every lake table through Trino, as the platform (unmasked), and assess it
(I/O shell around `discovery`). Values stay in memory: nothing sampled is printed, logged or stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pororoca_core import lakehouse
from pororoca_governance.discovery import Assessed, assess, skipped

# Types a value test can read as text; arrays, maps and rows are not sampled.
SCALAR_TYPES = ("varchar", "char", "date", "timestamp", "integer", "bigint", "smallint", "decimal", "uuid")
IGNORED_SCHEMAS = ("information_schema", "system")  # Trino's own views of the catalog


def lake_columns(conn: Any) -> dict[str, list[str]]:
    """`<namespace>.<table>` -> its scalar columns, for every table of the lakehouse catalog."""
    cur = conn.cursor()
    cur.execute(
        f"SELECT table_schema, table_name, column_name, data_type FROM {lakehouse.CATALOG}.information_schema.columns "
        f"WHERE table_schema NOT IN ({', '.join(repr(s) for s in IGNORED_SCHEMAS)}) "
        "ORDER BY table_schema, table_name, ordinal_position"
    )
    out: dict[str, list[str]] = {}
    for schema, table, column, data_type in cur.fetchall():
        if str(data_type).startswith(SCALAR_TYPES) and not skipped(column):
            out.setdefault(f"{schema}.{table}", []).append(column)
    return out


def sample_table(conn: Any, table: str, columns: list[str], size: int) -> dict[str, list[str | None]]:
    schema, name = table.split(".", 1)
    projection = ", ".join(f'CAST("{c}" AS varchar)' for c in columns)
    cur = conn.cursor()
    cur.execute(f'SELECT {projection} FROM {lakehouse.CATALOG}.{schema}."{name}" LIMIT {int(size)}')
    rows = cur.fetchall()
    return {f"{table}.{c}": [r[i] for r in rows] for i, c in enumerate(columns)}


def discover(ep: lakehouse.Endpoints, size: int, namespaces: set[str] | None = None,
             progress: Callable[[str], None] = lambda _: None) -> Assessed:  # fmt: skip
    assessed: dict[str, Any] = {}
    with lakehouse.trino_connection(ep) as conn:
        tables = {t: cs for t, cs in lake_columns(conn).items() if not namespaces or t.split(".")[0] in namespaces}
        for i, (table, columns) in enumerate(tables.items(), 1):
            progress(f"{i}/{len(tables)} {table}")
            for column, values in sample_table(conn, table, columns, size).items():
                assessed[column] = assess(column, values)
    return assessed
