"""PySpark jobs of the lakehouse: bronze change logs -> silver current state -> gold KPIs, and table care.

Public API for other packages: the silver tables as declared in `spark_apps/silver.toml` (governance finds a
data subject's rows and tokens through them)."""

from pororoca_spark.entities import SilverTable
from pororoca_spark.entities import load as silver_tables

__all__ = ["SilverTable", "silver_tables"]
