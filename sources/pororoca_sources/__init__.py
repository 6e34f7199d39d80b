"""Pororoca's fintech source systems: schemas (as migrations), the initial load and the live workload.

Public API for other packages: connections to the two source databases (capture introspects their tables)."""

from pororoca_sources.connections import Sources

__all__ = ["Sources"]
