"""Lineage and the catalog bundle from the project's own definitions, without a server."""

from __future__ import annotations

import pytest

from pororoca_core.errors import ConfigError
from pororoca_governance.classification import load_classification
from pororoca_metadata import bundle, lineage, names
from pororoca_spark import kpi_registry, silver_tables

NAMES = names.load()
EDGES = lineage.edges(NAMES)


def test_every_silver_table_is_traced_to_its_source_table_through_bronze():
    for t in silver_tables():
        bronze = NAMES.lake_table(t.source)
        assert any(e.target == bronze and e.source.startswith(("pororoca_core.", "pororoca_acquiring.")) for e in EDGES)
        assert lineage.Edge(bronze, NAMES.lake_table(t.name), "table", "curation: spark_apps/silver.toml") in EDGES
    assert NAMES.source_table("bronze.core_pix_transfers") == "pororoca_core.core.public.pix_transfers"
    assert NAMES.source_table("bronze.acquiring_terminals") == "pororoca_acquiring.default.acquiring.terminals"
    with pytest.raises(ConfigError):
        NAMES.source_table("bronze.unknown_table")


def test_every_kpi_reads_silver_including_through_the_shared_views():
    inputs = lineage.gold_inputs()
    assert set(inputs) == {k.table for k in kpi_registry().kpis}
    for table, read in inputs.items():
        assert read and all(r.startswith(("silver.", "gold.")) for r in read), table
    # credit_default_rate reads only the shared views, which read loan_contracts and installments
    assert inputs["gold.credit_default_rate"] >= {"silver.loan_contracts", "silver.installments"}


def test_every_dashboard_is_traced_to_the_gold_tables_its_charts_read():
    dashboards = lineage.dashboard_inputs()
    assert {"Risco de Crédito", "Fraude", "Alertas de Fraude", "Pagamentos e Pix"} <= set(dashboards)
    assert "gold.credit_default_rate" in dashboards["Risco de Crédito"]
    assert all(t.startswith("gold.") for ts in dashboards.values() for t in ts)


def test_the_bundle_carries_the_classification_and_pulled_tags_map_back():
    b = bundle.build(load_classification(), NAMES)
    assert b["classification"]["name"] == "LGPD" and {t["name"] for t in b["tags"]} >= {"CPF", "Pseudonymised"}
    cpf = b["column_tags"]["pororoca_trino.lakehouse.bronze.core_customers"]
    assert {"column": "cpf", "tags": ["LGPD.PersonalData", "LGPD.CPF"]} in cpf
    assert set(b["workflows"]) == {"core", "acquiring", "trino", "kafka", "airflow", "superset"}
    assert "POROROCA_OPENMETADATA_TOKEN" in b["workflows"]["trino"]  # a placeholder, never a token
    pulled = {
        "pororoca_trino.lakehouse.silver.devices.os": ["LGPD.PersonalData", "Tier.Tier1"],
        "pororoca_other.db.schema.table.column": ["LGPD.CPF"],
    }
    assert bundle.pulled_tags(pulled, NAMES) == {"silver.devices.os": ("PersonalData",)}
