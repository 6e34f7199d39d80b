"""PySpark jobs of the lakehouse: bronze change logs -> silver current state -> gold KPIs, and table care.

Public API for other packages: the silver tables as declared in `spark_apps/silver.toml` (governance finds a
data subject's rows and tokens through them) and the KPI registry (the catalog's lineage reads it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pororoca_spark.entities import SilverTable
from pororoca_spark.entities import load as silver_tables

if TYPE_CHECKING:
    from pororoca_spark.kpis import Registry

__all__ = ["SilverTable", "kpi_registry", "silver_tables"]


def kpi_registry() -> Registry:
    """The gold tables of `spark_apps/gold/kpis.toml` and their SQL (imported here lazily: it needs PySpark)."""
    from pororoca_spark.kpis import load

    return load()
