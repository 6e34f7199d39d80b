"""Pororoca's fintech source systems: schemas (as migrations), the initial load and the live workload."""
