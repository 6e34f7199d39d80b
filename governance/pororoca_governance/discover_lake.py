"""Sample every column of every lake table through Trino, as the platform (unmasked), and assess it
(I/O shell around `discovery`). Values stay in memory: nothing sampled is printed, logged or stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pororoca_core import lakehouse
from pororoca_governance import review
from pororoca_governance.classification import Classification, Reviewed
from pororoca_governance.discovery import SMALL_SAMPLE, Assessed, assess, non_empty, skipped
from pororoca_governance.review import Pending

# Types a value test can read as text; arrays, maps and rows are not sampled.
SCALAR_TYPES = ("varchar", "char", "date", "timestamp", "integer", "bigint", "smallint", "decimal", "uuid")
IGNORED_SCHEMAS = ("information_schema", "system")  # Trino's own views of the catalog


def lake_columns(conn: Any, scalar_only: bool = True, namespaces: set[str] | None = None) -> dict[str, list[str]]:
    """`<namespace>.<table>` -> its columns (by default those discovery samples: scalar, not bookkeeping), for
    every table of the lakehouse catalog or of `namespaces`."""
    cur = conn.cursor()
    cur.execute(
        f"SELECT table_schema, table_name, column_name, data_type FROM {lakehouse.CATALOG}.information_schema.columns "
        f"WHERE table_schema NOT IN ({', '.join(repr(s) for s in IGNORED_SCHEMAS)}) "
        "ORDER BY table_schema, table_name, ordinal_position"
    )
    out: dict[str, list[str]] = {}
    for schema, table, column, data_type in cur.fetchall():
        if namespaces is not None and schema not in namespaces:
            continue
        if not scalar_only or (str(data_type).startswith(SCALAR_TYPES) and not skipped(column)):
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
                # A column filled in few rows of a full sample (a device on some transfers) is judged by its
                # own non-empty values, not by a value or two.
                if len(values) >= size and len(non_empty(values)) < SMALL_SAMPLE:
                    values = sample_column(conn, column, size)
                assessed[column] = assess(column, values)
    return assessed


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def sample_column(conn: Any, column: str, size: int) -> list[str | None]:
    """Non-empty values of one column: a column a source just added is NULL in every older row."""
    schema, table, name = (_quoted(part) for part in column.split(".", 2))
    cur = conn.cursor()
    cur.execute(
        f"SELECT CAST({name} AS varchar) FROM {lakehouse.CATALOG}.{schema}.{table} WHERE {name} IS NOT NULL "
        f"LIMIT {int(size)}"
    )
    return [r[0] for r in cur.fetchall()]


def pending(ep: lakehouse.Endpoints, classification: Classification, reviewed: Reviewed, size: int) -> list[Pending]:
    """The watched namespaces' columns nobody classified or reviewed, each with what its sample shows."""
    out: list[Pending] = []
    with lakehouse.trino_connection(ep) as conn:
        watched = set(reviewed.namespaces)
        every = lake_columns(conn, scalar_only=False, namespaces=watched)
        scalar = lake_columns(conn, namespaces=watched)
        for table, columns in every.items():
            for column in review.unreviewed((f"{table}.{c}" for c in columns), classification, reviewed):
                if column.rsplit(".", 1)[1] in scalar.get(table, ()):
                    out.append(Pending(column, *assess(column, sample_column(conn, column, size))))
                else:
                    out.append(Pending(column, None, ()))
    return out
