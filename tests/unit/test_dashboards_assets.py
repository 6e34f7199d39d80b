"""The dashboards-as-code format: the repository's assets survive a trip through an import bundle and back,
exports from another installation (other ids, other Trino address) give the same files, and the assets
keep the product's rules (pt-BR, gold only, BRL, every chart with a saved query)."""

from __future__ import annotations

import io
import json
import zipfile

import yaml

from pororoca_superset import dashboards

ASSETS = dashboards.read_dir()


def _as_export(bundle: bytes, chart_ids: dict[str, int]) -> bytes:
    """What Superset's export of an imported bundle looks like: ids of that installation in the layout."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            obj = yaml.safe_load(src.read(name))
            if "/dashboards/" in name:
                for node in obj["position"].values():
                    if isinstance(node, dict) and node.get("type") == "CHART":
                        node["meta"]["chartId"] = chart_ids[node["meta"]["uuid"]]
                obj["metadata"]["shared_label_colors"] = {"Pix": "#1FA8C9"}
            if "/charts/" in name:
                obj["params"]["datasource"] = "42__table"
            dst.writestr(name.replace("pororoca/", "export_20261122/"), yaml.safe_dump(obj, allow_unicode=True))
    return out.getvalue()


def test_bundle_round_trip_gives_back_the_repository_files():
    trino = dashboards.TrinoTarget("10.1.2.3", 8443, ca="/state/tls/trino-ca.pem", password="s3cret")
    bundle = dashboards.to_bundle(ASSETS, trino)
    uuids = sorted({a["uuid"] for rel, a in ASSETS.items() if rel.startswith("charts/")})
    ids = {u: 1000 + 7 * i for i, u in enumerate(reversed(uuids))}  # another installation's ids
    assert dashboards.from_bundle(_as_export(bundle, ids), "10.1.2.3:8443") == ASSETS


def test_the_bundle_names_this_stacks_trino_and_embeds_each_charts_query_as_json():
    with zipfile.ZipFile(io.BytesIO(dashboards.to_bundle(ASSETS, dashboards.TrinoTarget("127.0.0.1", 19080)))) as z:
        names = z.namelist()
        db = yaml.safe_load(z.read("pororoca/databases/pororoca_trino.yaml"))
        chart = yaml.safe_load(z.read("pororoca/charts/tpv.yaml"))
    assert "pororoca/metadata.yaml" in names
    assert db["sqlalchemy_uri"] == "trino://superset@127.0.0.1:19080/lakehouse"
    assert "connect_args" not in db["extra"]["engine_params"]
    context = json.loads(chart["query_context"])
    assert context["form_data"]["viz_type"] == "big_number_total"
    assert context["queries"][0]["metrics"] == ["tpv"]


def test_chart_ids_are_renumbered_and_references_follow():
    dashboard = {
        "position": {
            "CHART-a": {"type": "CHART", "meta": {"chartId": 77, "uuid": "bbb"}},
            "CHART-b": {"type": "CHART", "meta": {"chartId": 12, "uuid": "aaa"}},
        },
        "metadata": {
            "native_filter_configuration": [{"scope": {"excluded": [77]}, "chartsInScope": [12, 77]}],
            "chart_configuration": {"77": {"id": 77, "crossFilters": {"chartsInScope": [12]}}},
            "timed_refresh_immune_slices": [12],
        },
    }
    out = dashboards.normalise("dashboards", dashboard, "x:1")
    assert out["position"]["CHART-b"]["meta"]["chartId"] == 1  # uuid aaa sorts first
    assert out["position"]["CHART-a"]["meta"]["chartId"] == 2
    f = out["metadata"]["native_filter_configuration"][0]
    assert f["scope"]["excluded"] == [2] and f["chartsInScope"] == []  # derived from the scope by `apply`
    assert out["metadata"]["chart_configuration"] == {"2": {"id": 2, "crossFilters": {"chartsInScope": [1]}}}
    assert out["metadata"]["timed_refresh_immune_slices"] == [1]


def test_six_dashboards_with_native_filters_for_period_uf_and_segment():
    boards = {a["slug"]: a for rel, a in ASSETS.items() if rel.startswith("dashboards/")}
    assert set(boards) == {"risco-de-credito", "pagamentos-e-pix", "fraude", "saude-da-plataforma", "alertas-de-fraude",
                           "modelo-de-fraude"}  # fmt: skip
    assert boards["risco-de-credito"]["dashboard_title"] == "Risco de Crédito"
    filters = {b: {f["name"] for f in d["metadata"]["native_filter_configuration"]} for b, d in boards.items()}
    assert {"Período", "UF", "Segmento"} <= filters["risco-de-credito"]
    assert {"Período", "UF"} <= filters["pagamentos-e-pix"]
    assert all("Período" in f for f in filters.values())


def test_every_credit_kpi_of_seed_001_has_a_chart_on_the_credit_dashboard():
    datasets = {a["uuid"]: a["table_name"] for rel, a in ASSETS.items() if rel.startswith("datasets/")}
    charts = {a["uuid"]: datasets[a["dataset_uuid"]] for rel, a in ASSETS.items() if rel.startswith("charts/")}
    board = next(a for rel, a in ASSETS.items() if rel == "dashboards/risco_de_credito.yaml")
    on_board = {charts[n["meta"]["uuid"]] for n in board["position"].values() if isinstance(n, dict) and "meta" in n
                and "uuid" in n["meta"]}  # fmt: skip
    kpis = {"credit_default_rate", "credit_average_loan", "credit_approval_rate", "credit_age_distribution",
            "credit_refinancing_rate", "credit_days_late", "credit_recovery_rate", "credit_default_rate_monthly",
            "credit_segment_performance", "credit_active_per_customer", "credit_market_types"}  # fmt: skip
    assert kpis <= on_board


def test_datasets_read_gold_only_with_pt_br_labels_and_brl_money():
    datasets = [a for rel, a in ASSETS.items() if rel.startswith("datasets/")]
    assert datasets and all(d["schema"] == "gold" for d in datasets)
    assert all("gold.silver" not in (d["sql"] or "") and "silver" not in (d["sql"] or "") for d in datasets)
    assert not any(d["table_name"] == "credit_customer_exposure" for d in datasets)  # subject-level
    for d in datasets:
        assert d["description"], d["table_name"]
        assert all(c["verbose_name"] for c in d["columns"]), d["table_name"]
    money = [m for d in datasets for m in d["metrics"] if m["currency"]]
    assert money and all(m["currency"]["symbol"] == "BRL" for m in money)


def test_every_chart_has_a_saved_query_on_its_own_metrics():
    for rel, chart in ASSETS.items():
        if rel.startswith("charts/"):
            query = chart["query_context"]["queries"][0]
            metrics = chart["params"].get("metrics") or [chart["params"]["metric"]]
            assert query["metrics"] == metrics, rel


def test_over_https_the_bundle_trusts_the_stacks_certificate_and_sends_the_password_apart():
    trino = dashboards.TrinoTarget("127.0.0.1", 19080, ca="/state/tls/trino-ca.pem", password="s3cret")
    with zipfile.ZipFile(io.BytesIO(dashboards.to_bundle(ASSETS, trino))) as z:
        raw = z.read("pororoca/databases/pororoca_trino.yaml").decode()
    db = yaml.safe_load(raw)
    assert "s3cret" not in raw
    assert db["sqlalchemy_uri"] == "trino://superset:XXXXXXXXXX@127.0.0.1:19080/lakehouse"
    assert db["extra"]["engine_params"]["connect_args"] == {"http_scheme": "https", "verify": "/state/tls/trino-ca.pem"}
    assert dashboards.bundle_passwords(ASSETS, trino) == {"databases/pororoca_trino.yaml": "s3cret"}
    assert dashboards.bundle_passwords(ASSETS, dashboards.TrinoTarget("h", 1)) == {}


def test_fraud_ops_dashboard_refreshes_itself_and_reads_the_fraud_paths_gold_tables():
    board = ASSETS["dashboards/alertas_de_fraude.yaml"]
    assert board["dashboard_title"] == "Alertas de Fraude" and board["metadata"]["refresh_frequency"] == 30
    datasets = {a["uuid"]: a for rel, a in ASSETS.items() if rel.startswith("datasets/")}
    on_board = {
        n["meta"]["uuid"] for n in board["position"].values() if isinstance(n, dict) and "uuid" in n.get("meta", {})
    }
    charts = [a for rel, a in ASSETS.items() if rel.startswith("charts/") and a["uuid"] in on_board]
    sql = " ".join(datasets[c["dataset_uuid"]]["sql"] for c in charts)
    assert "gold.fraud_alerts" in sql and "gold.fraud_dispositions" in sql and "gold.fraud_scores" in sql
    names = {c["slice_name"] for c in charts}
    assert {
        "Alertas Abertos",
        "Alertas Abertos por Padrão",
        "Alertas Abertos por Decisão",
        "Latência p99 (ms)",
    } <= names


def test_the_model_dashboard_shows_drift_live_precision_and_the_shadow_from_the_monitoring_tables():
    board = ASSETS["dashboards/modelo_de_fraude.yaml"]
    datasets = {a["uuid"]: a for rel, a in ASSETS.items() if rel.startswith("datasets/")}
    on_board = {
        n["meta"]["uuid"] for n in board["position"].values() if isinstance(n, dict) and "uuid" in n.get("meta", {})
    }
    charts = {a["slice_name"]: a for rel, a in ASSETS.items() if rel.startswith("charts/") and a["uuid"] in on_board}
    tables = {name: datasets[c["dataset_uuid"]]["table_name"] for name, c in charts.items()}
    assert tables == {
        "Deriva por Variável (PSI)": "fraud_model_drift",
        "PSI do Score por Dia": "fraud_model_drift",
        "PSI Máximo das Variáveis por Dia": "fraud_model_drift",
        "Precisão e Recall ao Vivo": "fraud_model_quality",
        "Campeão vs Desafiante (sombra)": "fraud_shadow_daily",
    }
    # Precision only where the labels matured: before, undetected frauds make every alert look false.
    assert "mature" in charts["Precisão e Recall ao Vivo"]["query_context"]["queries"][0]["extras"]["where"]


def test_the_credit_dashboard_opens_on_its_indicators_and_keeps_the_rest_on_a_second_tab():
    # Superset draws a tab's charts only when it is shown: 17 charts at once kept the dashboard above 2 s
    assert dashboards.charts_per_tab(ASSETS) == {
        "risco-de-credito": (10, 7), "pagamentos-e-pix": (9,), "fraude": (6,), "saude-da-plataforma": (9,),
        "alertas-de-fraude": (8,), "modelo-de-fraude": (5,),
    }  # fmt: skip
    assert sum(dashboards.charts_per_tab(ASSETS)["risco-de-credito"]) == 17


def test_on_a_dashboard_with_tabs_every_filter_reaches_every_tab():
    for rel, board in ASSETS.items():
        if rel.startswith("dashboards/"):
            tabs = {k for k, n in board["position"].items() if isinstance(n, dict) and n.get("type") == "TAB"}
            for f in board["metadata"]["native_filter_configuration"]:
                assert set(f.get("tabsInScope") or []) == tabs, (board["slug"], f["name"])


def _layout(*charts: tuple[int, list[str]]) -> dict:
    return {f"CHART-{i}": {"type": "CHART", "id": f"CHART-{i}", "meta": {"chartId": i}, "parents": parents}
            for i, parents in charts}  # fmt: skip


def test_a_filters_charts_are_those_under_its_scope_with_the_ids_of_this_installation():
    position = _layout((35, ["ROOT_ID", "TABS-a", "TAB-1", "ROW-1"]), (8, ["ROOT_ID", "TABS-a", "TAB-2", "ROW-2"]),
                       (51, ["ROOT_ID", "TABS-a", "TAB-2", "ROW-2"]))  # fmt: skip
    metadata = {"native_filter_configuration": [
        {"name": "Período", "scope": {"rootPath": ["ROOT_ID"], "excluded": []}, "chartsInScope": [1, 2, 3]},
        {"name": "UF", "scope": {"rootPath": ["ROOT_ID"], "excluded": [51]}, "chartsInScope": []},
        {"name": "Segmento", "scope": {"rootPath": ["TAB-2"], "excluded": []}},
    ], "color_scheme": "supersetColors"}  # fmt: skip
    scoped = dashboards.charts_in_scope(position, metadata)
    assert [f["chartsInScope"] for f in scoped["native_filter_configuration"]] == [[8, 35, 51], [8, 35], [8, 51]]
    assert scoped["color_scheme"] == "supersetColors"
    assert metadata["native_filter_configuration"][0]["chartsInScope"] == [1, 2, 3]  # the input is left alone


def test_an_export_keeps_no_chart_list_in_a_filter_since_apply_derives_it():
    board = next(a for rel, a in ASSETS.items() if rel == "dashboards/risco_de_credito.yaml")
    exported = json.loads(json.dumps(board))
    for f in exported["metadata"]["native_filter_configuration"]:
        f["chartsInScope"] = [101, 102]
    normalised = dashboards.normalise("dashboards", exported, "trino:8443")
    assert all(f["chartsInScope"] == [] for f in normalised["metadata"]["native_filter_configuration"])
