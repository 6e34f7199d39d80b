"""The gold registry (spark_apps/gold/kpis.toml) and its SQL files."""

from __future__ import annotations

from datetime import date

from pororoca_spark import kpis

SEED_001 = {"Taxa de Inadimplência", "Valor Médio de Empréstimo", "Taxa de Aprovação de Crédito",
            "Distribuição de Idade dos Clientes", "Taxa de Refinanciamento", "Tempo Médio de Atraso no Pagamento",
            "Taxa de Recuperação", "Variação da Taxa de Inadimplência", "Performance por Segmento",
            "Créditos Ativos por Cliente", "Tipos de Crédito no Mercado"}  # fmt: skip


def test_every_kpi_of_kpis_md_has_a_gold_table():
    labels = {k.label for k in kpis.load().kpis}
    assert labels >= SEED_001
    assert {"Taxa de Aprovação de Cartão", "Tempo de Detecção"} <= labels


def test_every_kpi_sql_documents_its_definition_and_is_parameterised_by_d():
    for k in kpis.load().kpis:
        text = k.sql_file.read_text()
        assert text.startswith("-- "), f"{k.sql_file.name}: the definition comes first"
        assert "$d" in text or k.scope == "all", k.sql_file.name
        if k.scope == "reference_date":
            assert "AS reference_date" in text, k.sql_file.name


def test_rendering_puts_a_date_literal_where_d_is():
    assert kpis.render("SELECT $d", date(2026, 11, 22)) == "SELECT DATE '2026-11-22'"


def test_views_split_into_statements_without_comments():
    stmts = kpis.statements("-- a; comment\nCREATE VIEW a AS SELECT 1;\n\nCREATE VIEW b AS SELECT 2;\n")
    assert stmts == ["CREATE VIEW a AS SELECT 1", "CREATE VIEW b AS SELECT 2"]
