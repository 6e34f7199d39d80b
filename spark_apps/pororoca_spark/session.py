"""The Spark session every job uses, and the secret it needs, from the running stack's settings."""

from __future__ import annotations

import os

from pyspark.sql import SparkSession

from pororoca_core import credentials
from pororoca_core.errors import NotReady
from pororoca_core.lakehouse import spark_session
from pororoca_core.paths import Paths

# Batch yields the CPU to the real-time path: on a shared machine a curation or KPI round must not push fraud scoring
# (and the CDC and Kafka under it) past its latency target. The job's JVM inherits this niceness.
BATCH_NICENESS = 10


def session(paths: Paths, app: str) -> SparkSession:
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if current < BATCH_NICENESS:
        os.setpriority(os.PRIO_PROCESS, 0, BATCH_NICENESS)
    spark = spark_session(paths, app_name=f"pororoca-{app}")
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def pseudonymisation_key(paths: Paths) -> str:
    key = credentials.load(paths.credentials).get("pseudonymisation_key")
    if not key:
        raise NotReady(f"no pseudonymisation_key in {paths.credentials}: run `pororoca up` once to generate it")
    return key
