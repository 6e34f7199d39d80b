"""Iceberg table contracts: what each lakehouse table looks like, declared in code and applied idempotently."""
