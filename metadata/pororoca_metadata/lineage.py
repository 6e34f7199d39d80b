"""Lineage from the project's own definitions (pure): source table -> bronze (the CDC connectors' prefixes),
bronze -> silver (`spark_apps/silver.toml`), silver -> gold (the tables each KPI's SQL and the shared views it
reads), gold -> dashboard (Superset assets: dashboard -> charts -> datasets -> gold tables)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from pororoca_metadata.names import Names
from pororoca_spark import kpi_registry, silver_tables

DASHBOARDS_DIR = Path(__file__).resolve().parents[2] / "superset_dashboards"
LAKE_REF = re.compile(r"\b(?:lakehouse\.)?(bronze|silver|silver_pii|gold)\.([a-z_][a-z0-9_]*)\b")
TEMP_VIEW = re.compile(
    r"CREATE\s+OR\s+REPLACE\s+TEMP\s+VIEW\s+(\w+)\s+AS(.*?)(?=CREATE\s+OR\s+REPLACE|\Z)", re.S | re.I
)
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


@dataclass(frozen=True, order=True)
class Edge:
    source: str  # a table FQN
    target: str  # a table FQN, or a dashboard's title for kind "dashboard"
    kind: str  # "table" | "dashboard": the target's entity type
    how: str  # what makes the edge, for the lineage's description


def _lake_refs(sql: str) -> set[str]:
    return {f"{ns}.{t}" for ns, t in LAKE_REF.findall(re.sub(r"--[^\n]*", "", sql))}


def gold_inputs() -> dict[str, set[str]]:
    """gold table -> the lake tables its SQL reads, through the shared temp views and earlier KPIs as well."""
    registry = kpi_registry()
    views: dict[str, set[str]] = {}

    def through_views(sql: str) -> set[str]:
        return {r for v, refs in views.items() if re.search(rf"\b{v}\b", sql) for r in refs}

    for path in registry.views:
        for name, body in TEMP_VIEW.findall(re.sub(r"--[^\n]*", "", path.read_text())):
            views[name] = _lake_refs(body) | through_views(body)
    out = {}
    for k in registry.kpis:
        sql = re.sub(r"--[^\n]*", "", k.sql_file.read_text())
        # A KPI may read one computed before it, through that one's temp view (`gold_<table>`).
        earlier = {o.table for o in registry.kpis if o is not k and re.search(rf"\b{o.view}\b", sql)}
        out[k.table] = (_lake_refs(sql) | through_views(sql) | earlier) - {k.table}
    return out


def dashboard_inputs(root: Path = DASHBOARDS_DIR) -> dict[str, set[str]]:
    """dashboard title -> the gold tables its charts' datasets read."""
    datasets: dict[str, set[str]] = {}
    for path in (root / "datasets").rglob("*.yaml"):
        d = yaml.safe_load(path.read_text())
        refs = _lake_refs(d["sql"]) if d.get("sql") else {f"{d['schema']}.{d['table_name']}"}
        datasets[d["uuid"]] = refs
    charts = {c["uuid"]: datasets.get(c["dataset_uuid"], set()) for c in map(_yaml, (root / "charts").glob("*.yaml"))}
    out = {}
    for path in (root / "dashboards").glob("*.yaml"):
        text = path.read_text()
        title = yaml.safe_load(text)["dashboard_title"]
        out[title] = {t for u in UUID.findall(text) for t in charts.get(u, set())}
    return out


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def edges(names: Names) -> list[Edge]:
    out: set[Edge] = set()
    for t in silver_tables():
        out.add(
            Edge(
                names.source_table(t.source),
                names.lake_table(t.source),
                "table",
                "CDC: Debezium -> Kafka -> Iceberg sink",
            )
        )
        out.add(Edge(names.lake_table(t.source), names.lake_table(t.name), "table", "curation: spark_apps/silver.toml"))
    for gold, inputs in gold_inputs().items():
        for table in inputs:
            out.add(
                Edge(
                    names.lake_table(table),
                    names.lake_table(gold),
                    "table",
                    f"KPI job: spark_apps/gold/{gold.split('.')[1]}.sql",
                )
            )
    for title, tables in dashboard_inputs().items():
        for table in tables:
            out.add(Edge(names.lake_table(table), title, "dashboard", "Superset dashboard (superset_dashboards/)"))
    return sorted(out)
