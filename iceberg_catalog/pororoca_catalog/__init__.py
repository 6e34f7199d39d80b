"""Iceberg table contracts: what each lakehouse table looks like, declared in code and applied idempotently.

Public API for other packages: derive bronze contracts from the captured source tables, the contracts of the
tables the fraud path's sink lands (`streams`), the fraud model's monitoring tables, apply contracts."""

from pororoca_catalog.apply import Outcome, apply
from pororoca_catalog.bronze import CapturedSource, Contract, contracts
from pororoca_catalog.fraud_monitoring import contracts as monitoring_contracts
from pororoca_catalog.introspect import mariadb_tables, postgres_tables
from pororoca_catalog.streams import contracts as stream_contracts

__all__ = [
    "CapturedSource",
    "Contract",
    "Outcome",
    "apply",
    "contracts",
    "mariadb_tables",
    "monitoring_contracts",
    "postgres_tables",
    "stream_contracts",
]
