"""The Spark session every job uses, and the secret it needs, from the running stack's settings."""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import SparkSession

from pororoca_core import credentials
from pororoca_core.errors import NotReady
from pororoca_core.lakehouse import spark_session
from pororoca_core.paths import Paths


def session(paths: Paths, app: str, conf: Mapping[str, str] | None = None) -> SparkSession:
    spark = spark_session(paths, app_name=f"pororoca-{app}", conf=conf)
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def pseudonymisation_key(paths: Paths) -> str:
    key = credentials.load(paths.credentials).get("pseudonymisation_key")
    if not key:
        raise NotReady(f"no pseudonymisation_key in {paths.credentials}: run `pororoca up` once to generate it")
    return key
