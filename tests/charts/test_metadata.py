"""The catalog DAG's wiring in the cluster: Airflow gets the OpenMetadata server and its ingestion bot's token
only when the token's Secret is named, from that Secret, never as a literal."""

from __future__ import annotations

from .conftest import RELEASE, containers, render

AIRFLOW = [f"{RELEASE}-airflow-{c}" for c in ("api-server", "scheduler", "dag-processor")]


def _env(rendered, name: str) -> dict[str, dict]:
    return {e["name"]: e for c in containers(rendered.named("Deployment", name)) for e in c.get("env", [])}


def test_airflow_reaches_the_release_server_with_the_bots_token_from_its_secret():
    rendered = render("default", "openmetadata.ingestion.tokenSecret.name=om-ingestion-bot")
    ports = {p["port"] for p in rendered.named("Service", f"{RELEASE}-openmetadata")["spec"]["ports"]}
    for deployment in AIRFLOW:
        env = _env(rendered, deployment)
        assert env["POROROCA_OPENMETADATA_URL"]["value"] == f"http://{RELEASE}-openmetadata:8585/api"
        assert 8585 in ports
        token = env["POROROCA_OPENMETADATA_TOKEN"]
        assert "value" not in token
        assert token["valueFrom"]["secretKeyRef"] == {"name": "om-ingestion-bot", "key": "token"}
        # The ingestion workflows reach Airflow's own API by its Service, like every other peer.
        assert env["POROROCA_AIRFLOW_HOST"]["value"] == f"{RELEASE}-airflow"


def test_without_a_token_there_is_no_server_and_so_no_catalog_dag(profile):
    rendered = render(profile)
    for deployment in AIRFLOW:
        assert "POROROCA_OPENMETADATA_URL" not in _env(rendered, deployment)
