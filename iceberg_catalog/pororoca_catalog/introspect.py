"""Read source table definitions: the row columns of each bronze contract."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from pororoca_catalog.types import SourceColumn

_SQL = Path(__file__).resolve().parent / "sql"


def _group(rows: list[tuple[Any, ...]]) -> dict[str, list[SourceColumn]]:
    tables: dict[str, list[SourceColumn]] = defaultdict(list)
    for table, name, data_type, precision, scale, column_type in rows:
        unsigned = "unsigned" in (column_type or "").lower()
        tables[table].append(SourceColumn(name, data_type.lower(), precision, scale, unsigned))
    return dict(tables)


def postgres_tables(conn: Any, schema: str) -> dict[str, list[SourceColumn]]:
    """conn: a psycopg connection."""
    return _group(conn.execute((_SQL / "postgres_columns.sql").read_text(), (schema,)).fetchall())


def mariadb_tables(conn: Any, database: str) -> dict[str, list[SourceColumn]]:
    """conn: a pymysql connection."""
    with conn.cursor() as cur:
        cur.execute((_SQL / "mariadb_columns.sql").read_text(), (database,))
        return _group(list(cur.fetchall()))
