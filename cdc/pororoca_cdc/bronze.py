"""Bronze contracts for what the Debezium connectors capture: derived from their definitions and the
source tables, so a table added to a source gets its bronze table on the next `pororoca cdc apply`."""

from __future__ import annotations

from pororoca_catalog import CapturedSource, Contract, contracts, mariadb_tables, postgres_tables
from pororoca_cdc.connect import Connector
from pororoca_core.errors import ConfigError
from pororoca_sources import Sources

_DIALECTS = {
    "io.debezium.connector.postgresql.PostgresConnector": ("postgres", "schema.include.list"),
    "io.debezium.connector.mariadb.MariaDbConnector": ("mariadb", "database.include.list"),
}


def captured_source(connector: Connector) -> CapturedSource | None:
    """None for a connector that is not a Debezium source (the sinks)."""
    cfg = connector.config
    if cfg["connector.class"] not in _DIALECTS:
        return None
    dialect, schema_key = _DIALECTS[cfg["connector.class"]]
    schema = cfg[schema_key]
    if "," in schema:
        raise ConfigError(f"{connector.name}: bronze contracts expect one {schema_key}, got {schema!r}")
    excluded = {t.strip().split(".", 1)[1] for t in cfg.get("table.exclude.list", "").split(",") if t.strip()}
    return CapturedSource(cfg["topic.prefix"], dialect, schema, frozenset(excluded))  # type: ignore[arg-type]


def bronze_contracts(connectors: list[Connector], sources: Sources) -> list[Contract]:
    found: list[Contract] = []
    for c in connectors:
        source = captured_source(c)
        if source is None:
            continue
        if source.dialect == "postgres":
            with sources.core() as conn:
                tables = postgres_tables(conn, source.schema)
        else:
            conn = sources.acquiring()
            with conn:
                tables = mariadb_tables(conn, source.schema)
        found.extend(contracts(source, tables))
    return found
