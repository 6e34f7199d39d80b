"""The Spark session every job uses, and the secret it needs, from the running stack's settings."""

from __future__ import annotations

from pyspark.sql import SparkSession

from pororoca import credentials
from pororoca.lakehouse import spark_session
from pororoca.paths import Paths


def session(paths: Paths, app: str) -> SparkSession:
    spark = spark_session(paths, app_name=f"pororoca-{app}")
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def pseudonymisation_key(paths: Paths) -> str:
    key = credentials.load(paths.credentials).get("pseudonymisation_key")
    if not key:
        raise RuntimeError(f"no pseudonymisation_key in {paths.credentials}: run `pororoca up` once to generate it")
    return key
