"""Everything `pororoca metadata push` sends, as OpenMetadata request bodies (pure): the LGPD classification and
its tags, the classified columns' tags, gold tables' descriptions (each KPI's definition), lineage, and the
ingestion workflows. `om_client` validates each body against the ingestion package's models before sending."""

from __future__ import annotations

import re
from pathlib import Path

from pororoca_governance import Classification
from pororoca_metadata import lineage
from pororoca_metadata.names import Names
from pororoca_spark import kpi_registry, silver_tables

WORKFLOWS_DIR = Path(__file__).resolve().parent / "workflows"
WORKFLOWS = ("core", "acquiring", "trino", "kafka", "airflow", "superset")
CLASSIFICATION_DESCRIPTION = (
    "Lei Geral de Proteção de Dados (Lei 13.709/2018): dados pessoais e sensíveis, pseudonimizados e chaves de "
    "titulares. Mantida como código em governance/lgpd/classification.toml; decisões de curadores aqui são lidas "
    "de volta por `pororoca metadata pull`."
)


def _header(sql: str) -> str:
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.removeprefix("--").strip())
    return " ".join(lines)


def lake_tables() -> list[str]:
    """The tables the project defines: bronze change logs curated into silver, silver, and gold."""
    silver = silver_tables()
    return sorted({t.source for t in silver} | {t.name for t in silver} | {k.table for k in kpi_registry().kpis})


def build(classification: Classification, names: Names) -> dict:
    tags = {n: t for n, t in classification.tags.items()}
    columns: dict[str, list[dict]] = {}
    for qualified, column_tags in sorted(classification.columns.items()):
        table, column = qualified.rsplit(".", 1)
        columns.setdefault(names.lake_table(table), []).append(
            {"column": column, "tags": [names.tag(t) for t in column_tags]}
        )
    descriptions = {
        names.lake_table(k.table): f"**{k.label}**. {_header(k.sql_file.read_text())}" for k in kpi_registry().kpis
    }
    for t in silver_tables():
        source = names.source_table(t.source)
        descriptions[names.lake_table(t.source)] = (
            f"Change log of `{source}`: every insert, update and delete captured by Debezium, appended by the "
            "Iceberg sink with its capture columns (`_op`, `_source_ts`, offsets: described per column)."
        )
        tokens = ", ".join(f"`{c}_token`" for c in t.tokenise) or "none"
        restricted = t.namespace != "silver"
        descriptions[names.lake_table(t.name)] = (
            f"Current state of `{source}`, one row per {', '.join(t.key)}, curated from `{t.source}` "
            f"(spark_apps/silver.toml). HMAC tokens: {tokens}."
            + (
                " Restricted namespace: the subject's direct identifiers, joined to silver by the token."
                if restricted
                else ""
            )
        )
    return {
        "classification": {
            "name": names.classification,
            "description": CLASSIFICATION_DESCRIPTION,
            "mutuallyExclusive": False,
        },
        "tags": [
            {"name": n, "description": t.description, "classification": names.classification}
            for n, t in sorted(tags.items())
        ],
        "column_tags": columns,
        "descriptions": descriptions,
        "lineage": [
            {"from": e.source, "to": e.target, "to_type": e.kind, "description": e.how} for e in lineage.edges(names)
        ],
        "tables": [names.lake_table(t) for t in lake_tables()],
        "services": names.services,
        "classification_name": names.classification,
        "workflows": {w: (WORKFLOWS_DIR / f"{w}.yaml").read_text() for w in WORKFLOWS},
    }


def pulled_tags(pulled: dict[str, list[str]], names: Names) -> dict[str, tuple[str, ...]]:
    """The server's column tags of our classification (`<service>.lakehouse.<ns>.<table>.<column>` -> tag FQNs)
    as the classification's own `<ns>.<table>.<column>` -> tag names, for `Classification.with_tags()`."""
    prefix = re.escape(names.lake_table(""))
    out = {}
    for fqn, tag_fqns in pulled.items():
        m = re.fullmatch(prefix + r"(\w+\.\w+\.\w+)", fqn)
        if m:
            out[m.group(1)] = tuple(t.split(".", 1)[1] for t in tag_fqns if t.startswith(names.classification + "."))
    return out
