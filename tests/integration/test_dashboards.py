"""Superset's KPI dashboards on the real stack: applied from superset_dashboards/ idempotently, every chart's
data equal to the same numbers read from Trino, Trino's `superset` user read-only on gold, the Analyst role
limited to the KPI dashboards and gold, and every dashboard rendered in headless Chromium."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial

import pytest
import trino

from pororoca_core import credentials, lakehouse
from pororoca_superset import dashboards
from pororoca_superset.browser import DashboardBrowser
from pororoca_superset.navigation import PERIODS, AnalystSession
from pororoca_superset.superset import Superset, SupersetError

from .conftest import ensure_gold, ensure_partner_files, pororoca
from .fraud_source import ensure_live_alert, ensure_model_monitoring

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def gold(paths):
    """Gold as the curation tests leave it (or computed here when this module runs alone)."""
    ensure_gold(paths)
    return lakehouse.trino_connection(lakehouse.Endpoints.of(paths))


@pytest.fixture(scope="module")
def superset(paths, gold):
    ensure_live_alert(paths)  # the fraud ops dashboard lists open alerts: every chart has rows to compare
    ensure_model_monitoring(paths, pororoca)  # and the model's dashboard its drift, precision and shadow
    ensure_partner_files(paths)  # and the health dashboard partner files, rejects and missed deadlines
    pororoca("dashboards", "apply", timeout=600)
    return Superset.connect(paths)


def q(conn, sql: str) -> list[tuple]:
    cur = conn.cursor()
    cur.execute(sql)
    return [tuple(r) for r in cur.fetchall()]


def inventory(ss: Superset) -> dict[str, int]:
    return {kind: len(ss.list(kind)) for kind in ("database", "dataset", "chart", "dashboard")}


def test_applying_twice_changes_nothing_and_superset_holds_exactly_the_repository(superset, paths):
    before, exported = inventory(superset), superset.export_assets()
    pororoca("dashboards", "apply", timeout=600)
    assert inventory(superset) == before
    trino_address = f"127.0.0.1:{lakehouse.Endpoints.of(paths).trino_port}"
    again = dashboards.from_bundle(superset.export_assets(), trino_address)
    assert again == dashboards.from_bundle(exported, trino_address)
    assert again == dashboards.read_dir()
    assert before == {"database": 1, "dataset": 24, "chart": 54, "dashboard": 6}
    for slug in dashboards.dashboard_slugs(dashboards.read_dir()):  # filters name this installation's charts
        board = superset.dashboard(slug)
        position = json.loads(board["position_json"]).values()
        ids = sorted(n["meta"]["chartId"] for n in position if isinstance(n, dict) and n.get("type") == "CHART")
        for f in json.loads(board["json_metadata"])["native_filter_configuration"]:
            assert f["chartsInScope"] == [i for i in ids if i not in f["scope"].get("excluded", [])], (slug, f)


def _plain(value: object) -> object:
    """A value as Superset's JSON carries it: temporal values as epoch milliseconds, numbers as floats."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp() * 1000
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp() * 1000
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return float(value)
    return value


# Metrics that read the clock (minutes since the last run, lag now): two reads a moment apart differ a little.
VOLATILE = {
    m["metric_name"]
    for rel, asset in dashboards.read_dir().items()
    if rel.startswith("datasets/")
    for m in asset["metrics"]
    if "current_timestamp" in m["expression"]
}


def _key(row: tuple, stable: list[int]) -> str:
    return repr([round(v, 6) if isinstance(v, float) else v for v in (row[i] for i in stable)])


def _close(a: float | None, b: float | None, tolerance: float) -> bool:
    return a == b or (a is not None and b is not None and abs(a - b) <= tolerance)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def test_every_chart_returns_rows_equal_to_its_query_in_trino(superset, gold):
    charts = superset.list("chart")
    assert len(charts) == 54
    for chart in charts:
        body = superset.call(
            "GET", f"/api/v1/chart/{chart['id']}/data/", params={"format": "json", "type": "full", "force": "true"}
        ).json()
        result = body["result"][0]
        assert result["status"] == "success" and not result.get("error"), chart["slice_name"]
        assert result["data"], f"{chart['slice_name']}: no rows"
        # The same SQL Superset ran, run again in Trino as an engineer: same rows, same values (compared by
        # position: Superset renames aliases such as `tpv__` back to the metric's name).
        cur = gold.cursor()
        cur.execute(result["query"].strip().rstrip(";"))
        stable = [i for i, c in enumerate(result["colnames"]) if c not in VOLATILE]
        direct = [tuple(map(_plain, row)) for row in cur.fetchall()]
        shown = [tuple(row[c] for c in result["colnames"]) for row in result["data"]]
        assert len(direct) == len(shown), chart["slice_name"]
        key = partial(_key, stable=stable)
        for mine, theirs in zip(sorted(shown, key=key), sorted(direct, key=key), strict=True):
            for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
                # a clock-reading column may have moved between the two reads: within a minute
                assert _same(a, b) if i in stable else _close(a, b, 1), (
                    chart["slice_name"],
                    result["colnames"][i],
                    mine,
                    theirs,
                )


def test_chart_results_are_cached_in_a_directory_of_their_own_readable_by_the_stack_only(paths, superset):
    """Each Superset cache has its own directory: FileSystemCache counts and prunes its directory's entries."""
    chart = next(c for c in superset.list("chart") if c["slice_name"] == "TPV")
    ask = {"format": "json", "type": "full"}
    superset.call("GET", f"/api/v1/chart/{chart['id']}/data/", params=ask)
    again = superset.call("GET", f"/api/v1/chart/{chart['id']}/data/", params=ask).json()
    assert again["result"][0]["is_cached"]
    cache = paths.data / "superset" / "cache"
    assert {p.name for p in cache.iterdir()} >= {"data", "metadata", "filter_state", "explore_form_data"}
    results = [p for p in (cache / "data").iterdir() if p.is_file()]
    assert results and all(p.stat().st_mode & 0o077 == 0 for p in results)


def chart_value(ss: Superset, name: str) -> list[dict]:
    (chart,) = [c for c in ss.list("chart") if c["slice_name"] == name]
    return ss.chart_data(chart["id"])


def test_sampled_kpis_equal_independent_trino_queries(superset, gold):
    [(rate,)] = q(gold, "SELECT default_rate FROM gold.credit_default_rate ORDER BY reference_date DESC LIMIT 1")
    assert chart_value(superset, "Taxa de Inadimplência")[0]["taxa_inadimplencia"] == pytest.approx(rate)
    [(tpv, n)] = q(gold, "SELECT sum(tpv), sum(transactions) FROM gold.payments_hourly")
    assert chart_value(superset, "TPV")[0]["tpv"] == pytest.approx(float(tpv))
    assert chart_value(superset, "Ticket Médio")[0]["ticket_medio"] == pytest.approx(
        float(tpv) / n, abs=0.005
    )  # in cents
    [(frauds, transactions)] = q(
        gold,
        "SELECT sum(frauds), sum(transactions) FROM gold.fraud_daily WHERE fraud_type = 'todos' "
        "AND reference_date = (SELECT max(reference_date) FROM gold.fraud_daily)",
    )
    assert chart_value(superset, "Taxa de Fraude")[0]["taxa_fraude"] == pytest.approx(frauds / transactions)
    by_uf = {r["segment"]: r["taxa_inadimplencia"] for r in chart_value(superset, "Performance por Segmento")
             if r["dimension"] == "uf"}  # fmt: skip
    latest = q(
        gold,
        "SELECT segment, default_rate FROM gold.credit_segment_performance WHERE dimension = 'uf' "
        "AND reference_date = (SELECT max(reference_date) FROM gold.credit_segment_performance)",
    )
    assert by_uf.keys() == dict(latest).keys()
    assert all(_same(by_uf[uf], rate) for uf, rate in latest), (by_uf, latest)


def test_trino_user_superset_reads_gold_and_nothing_else(paths, gold):
    ep = lakehouse.Endpoints.of(paths)
    conn = lakehouse.trino_connection(ep, user="superset")
    assert q(conn, "SELECT count(*) FROM gold.credit_default_rate")[0][0] > 0
    for sql in (
        "SELECT count(*) FROM silver.customers",
        "SELECT count(*) FROM silver_pii.customers",
        "SELECT count(*) FROM bronze.core_customers",
        "INSERT INTO gold.pipeline_runs (run_id, job, table_name) VALUES ('x', 'x', 'x')",
        "DELETE FROM gold.credit_default_rate",
        "CREATE TABLE gold.intruder (x int)",
    ):
        with pytest.raises(trino.exceptions.TrinoUserError, match="Access Denied"):
            q(conn, sql)


def test_the_analyst_sees_the_kpi_dashboards_and_gold_datasets_only(paths, superset):
    analyst = Superset.connect(paths, "analyst")
    assert {d["slug"] for d in analyst.list("dashboard")} == {
        "risco-de-credito",
        "pagamentos-e-pix",
        "fraude",
        "saude-da-plataforma",
        "alertas-de-fraude",
        "modelo-de-fraude",
    }
    datasets = analyst.list("dataset")
    assert len(datasets) == 24 and {d["schema"] for d in datasets} == {"gold"}
    # no SQL Lab, no database administration
    with pytest.raises(SupersetError, match=r"HTTP 40[13]"):
        analyst.call("POST", "/api/v1/sqllab/execute/", json={"database_id": 1, "sql": "SELECT 1"})
    with pytest.raises(SupersetError, match=r"HTTP 40[134]"):
        analyst.call("DELETE", f"/api/v1/dashboard/{analyst.list('dashboard')[0]['id']}")


def test_every_dashboard_renders_in_headless_chromium(paths, superset):
    tabs = dashboards.charts_per_tab(dashboards.read_dir())
    password = credentials.load(paths.credentials)["superset_analyst_password"]
    with DashboardBrowser(superset.url, "analyst", password) as browser:
        for slug, charts in tabs.items():
            shot = paths.logs / "dashboards" / f"{slug}.png"
            shot.unlink(missing_ok=True)
            r = browser.render(slug, charts, timeout=120, screenshot=shot)
            assert not r.problems, (slug, r.problems)
            assert shot.stat().st_size > 20_000
            texts = {c.name: c.text for c in r.charts}
            if slug == "pagamentos-e-pix":
                # Brazilian money: R$ with thousands dots and decimal comma
                assert re.search(r"R\$\s?\d{1,3}(\.\d{3})*,\d{2}", texts["TPV"]), texts["TPV"]
            if slug == "risco-de-credito":
                assert re.search(r"\d+,\d{2}\s?%", texts["Taxa de Inadimplência"]), texts["Taxa de Inadimplência"]


def test_an_analyst_moves_through_the_tabbed_credit_dashboard_inside_the_app(paths, superset):
    tabs = dashboards.charts_per_tab(dashboards.read_dir())["risco-de-credito"]
    assert len(tabs) == 2
    password = credentials.load(paths.credentials)["superset_analyst_password"]
    with AnalystSession(superset.url, "analyst", password) as s:
        s.open_list()
        for period in PERIODS:  # the second visit reopens the dashboard inside the app, filters in scope
            steps = s.visit("risco-de-credito", tabs, period, timeout=120)
            assert [st.action for st in steps] == ["open", "filter", "tab"]
            assert not any(st.problems or st.reloaded for st in steps), steps
            assert all(st.server_seconds for st in steps)  # each step asked Superset for chart data
