"""`pororoca kpis`: compute every gold KPI table of `spark_apps/gold/kpis.toml` for a reference date."""

from __future__ import annotations

import re
import time
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from string import Template

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from pororoca_core.errors import ConfigError
from pororoca_core.lakehouse import CATALOG

GOLD_DIR = Path(__file__).resolve().parent.parent / "gold"
SCOPES = ("reference_date", "all")


@dataclass(frozen=True)
class Kpi:
    table: str
    label: str
    scope: str
    subject_level: bool = False

    @property
    def sql_file(self) -> Path:
        return GOLD_DIR / f"{self.table.split('.')[1]}.sql"

    @property
    def view(self) -> str:
        return self.table.replace(".", "_")


@dataclass(frozen=True)
class Registry:
    views: tuple[Path, ...]
    kpis: tuple[Kpi, ...]


@dataclass(frozen=True)
class KpiRun:
    table: str
    rows_written: int
    started_at: datetime
    finished_at: datetime


def load(path: Path = GOLD_DIR / "kpis.toml") -> Registry:
    with path.open("rb") as f:
        data = tomllib.load(f)
    kpis = tuple(Kpi(**k) for k in data["kpis"])
    for k in kpis:
        if k.scope not in SCOPES:
            raise ConfigError(f"{k.table}: scope must be one of {SCOPES}")
        if not k.sql_file.is_file():
            raise ConfigError(f"{k.table}: no SQL at {k.sql_file}")
    return Registry(tuple(GOLD_DIR / v for v in data["views"]), kpis)


def render(sql: str, reference_date: date) -> str:
    return Template(sql).substitute(d=f"DATE '{reference_date.isoformat()}'")


def statements(sql: str) -> list[str]:
    """Split a file of `;`-terminated statements (no `;` inside our string literals)."""
    without_comments = re.sub(r"--[^\n]*", "", sql)
    return [s.strip() for s in without_comments.split(";") if s.strip()]


def run(spark: SparkSession, registry: Registry, reference_date: date, log=print) -> list[KpiRun]:
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {CATALOG}.gold")
    for v in registry.views:
        for stmt in statements(render(v.read_text(), reference_date)):
            spark.sql(stmt)
    runs = []
    for i, k in enumerate(registry.kpis, 1):
        t0, started = time.monotonic(), datetime.now().astimezone()
        df = spark.sql(render(k.sql_file.read_text(), reference_date)).persist()
        df.createOrReplaceTempView(k.view)
        target = f"{CATALOG}.{k.table}"
        if not spark.catalog.tableExists(target):
            df.writeTo(target).using("iceberg").tableProperty("format-version", "2").create()
        elif k.scope == "reference_date":
            df.writeTo(target).overwrite(F.col("reference_date") == F.lit(reference_date))
        else:
            df.writeTo(target).overwrite(F.lit(True))
        n = df.count()
        runs.append(KpiRun(k.table, n, started, datetime.now().astimezone()))
        log(f"[{i}/{len(registry.kpis)}] {k.table:<34} {n:>7,} rows in {time.monotonic() - t0:5.1f}s  ({k.label})")
    return runs
