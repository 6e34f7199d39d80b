"""Iceberg table contracts: what each lakehouse table looks like, declared in code and applied idempotently.

Public API for other packages: derive bronze contracts from the captured source tables, the contracts of the
tables the fraud path's sink lands (`streams`), the fraud model's monitoring tables, apply contracts."""

from pororoca_catalog.apply import Outcome, apply
from pororoca_catalog.bronze import CapturedSource, Contract, cdc_columns, contracts
from pororoca_catalog.fraud_monitoring import contracts as monitoring_contracts
from pororoca_catalog.introspect import mariadb_tables, postgres_tables
from pororoca_catalog.streams import contracts as stream_contracts
from pororoca_catalog.types import Dialect, SourceColumn, iceberg_type

__all__ = [
    "CapturedSource",
    "Contract",
    "Dialect",
    "Outcome",
    "SourceColumn",
    "apply",
    "cdc_columns",
    "contracts",
    "iceberg_type",
    "mariadb_tables",
    "monitoring_contracts",
    "postgres_tables",
    "stream_contracts",
]
