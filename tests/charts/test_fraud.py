"""The fraud path in the chart: MLflow and the Quix Streams processor with the local runtime's configuration, each
with its own credentials from the release's Secret, reachable only by who needs them."""

from __future__ import annotations

import base64
import re

from pororoca_core import kafka_access, services

from .conftest import RELEASE, containers, pod_spec, render


def _env(obj: dict) -> dict[str, dict]:
    (c,) = containers(obj)
    return {e["name"]: e for e in c.get("env", [])}


def _secret_key(env: dict[str, dict], name: str) -> str:
    return env[name]["valueFrom"]["secretKeyRef"]["key"]


def test_the_processor_runs_the_fraud_image_with_its_own_principal_and_the_scorer_login(profile):
    rendered = render(profile)
    processor = rendered.named("Deployment", f"{RELEASE}-fraud")
    (c,) = containers(processor)
    assert c["image"].split(":")[0].endswith("pororoca/fraud")
    assert c["command"] == ["python", "-m", "pororoca_fraud.processor"]
    env = _env(processor)
    assert _secret_key(env, "POROROCA_KAFKA_FRAUD_PASSWORD") == "kafka_fraud_password"
    assert _secret_key(env, "POROROCA_PSEUDONYMISATION_KEY") == "pseudonymisation_key"
    assert env["MLFLOW_TRACKING_USERNAME"]["value"] == "scorer"
    assert _secret_key(env, "MLFLOW_TRACKING_PASSWORD") == "mlflow_scorer_password"
    # Probes carry no password: /live says only "up"; state is rebuilt from the changelog topics.
    assert c["livenessProbe"]["httpGet"]["path"] == "/live"
    assert {"name": "state", "emptyDir": {}} in pod_spec(processor)["volumes"]
    assert env["POROROCA_FRAUD_PARTITIONS"]["value"] == "1"  # one stage, as the local stack runs it


def test_scaling_out_the_processor_runs_the_keyed_stages_over_that_many_partitions():
    processor = render("kind", "fraud.partitions=4", "fraud.replicas=4").named("Deployment", f"{RELEASE}-fraud")
    assert _env(processor)["POROROCA_FRAUD_PARTITIONS"]["value"] == "4"
    assert processor["spec"]["replicas"] == 4


def test_mlflow_keeps_metadata_in_postgresql_artifacts_in_its_bucket_and_no_secret_in_its_config(profile):
    rendered = render(profile)
    mlflow = rendered.named("Deployment", f"{RELEASE}-mlflow")
    env = _env(mlflow)
    assert env["MLFLOW_BACKEND_STORE_URI"]["value"].startswith("postgresql+psycopg2://mlflow@")
    assert _secret_key(env, "PGPASSWORD") == "postgres_mlflow_password"
    assert _secret_key(env, "MLFLOW_AUTH_ADMIN_PASSWORD") == "mlflow_admin_password"
    assert env["MLFLOW_ARTIFACTS_DESTINATION"]["value"] == "s3://mlflow/artifacts"
    assert env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"]["value"] == "false"
    (c,) = containers(mlflow)
    assert c["command"][c["command"].index("--app-name") + 1] == "basic-auth"
    ini = rendered.named("ConfigMap", f"{RELEASE}-mlflow")["data"]["basic_auth.ini"]
    assert "default_permission = READ" in ini and "${" not in ini
    assert not any(v in ini for v in rendered.secret_values())


def test_set_up_jobs_create_the_bucket_the_database_and_the_scorer(profile):
    rendered = render(profile)
    users = rendered.named("Job", f"{RELEASE}-mlflow-users")
    assert containers(users)[0]["command"] == ["pororoca", "cluster", "mlflow-users"]
    assert users["metadata"]["annotations"]["helm.sh/hook"] == "post-install,post-upgrade"
    names = {o["metadata"]["name"] for o in rendered.workloads()}
    if f"{RELEASE}-minio" in names:
        bucket = containers(rendered.named("Job", f"{RELEASE}-minio-bucket"))[0]["command"]
        assert bucket[-2:] == ["--mlflow", "mlflow"]
    if f"{RELEASE}-postgresql" in names:
        init = rendered.named("ConfigMap", f"{RELEASE}-postgresql")["data"]["10-roles.sh"]
        assert 'create mlflow mlflow "$MLFLOW_PASSWORD"' in init


def test_the_release_secret_holds_every_fraud_credential():
    secret = render("default").named("Secret", f"{RELEASE}-credentials")
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    wanted = [n for n in services.load().secret_names() if re.match(r"(mlflow|fraud)_", n)]
    assert "kafka_fraud_password" in kafka_access.secret_names()
    for name in [*wanted, "kafka_fraud_password", "kafka_fraud_api_password", "postgres_mlflow_password"]:
        assert data.get(name), name


def test_only_the_processor_and_the_jobs_reach_mlflow_and_nobody_but_operators_the_processor(profile):
    rendered = render(profile)
    policies = {p["metadata"]["name"]: p for p in rendered.of_kind("NetworkPolicy")}
    if not policies:
        return

    def admitted(component: str) -> set[str]:
        rules = policies[f"{RELEASE}-{component}"]["spec"]["ingress"]
        return {f["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for r in rules for f in r["from"]}

    assert "fraud" in admitted("mlflow") and "fraud" in admitted("kafka")
    assert "mlflow" in admitted("postgresql") or f"{RELEASE}-postgresql" not in policies
    assert not {"superset", "trino-coordinator", "connect"} & admitted("mlflow")
    assert "fraud" not in admitted("fraud")


def test_the_fraud_api_signs_in_to_trino_over_https_and_writes_with_its_own_principal():
    rendered = render("default")  # on by default: the chart's Trino speaks HTTPS with passwords
    api = rendered.named("Deployment", f"{RELEASE}-fraud-api")
    (c,) = containers(api)
    assert c["command"] == ["python", "-m", "pororoca_fraud.api"]
    env = _env(api)
    assert _secret_key(env, "POROROCA_KAFKA_FRAUD_API_PASSWORD") == "kafka_fraud_api_password"
    assert env["POROROCA_TRINO_CA"]["value"] == "/etc/pororoca/trino-ca/ca.crt"
    assert {"name": "trino-ca", "mountPath": "/etc/pororoca/trino-ca", "readOnly": True} in c["volumeMounts"]
    assert env["POROROCA_TRINO_PORT"]["value"] == "8443"
    assert pod_spec(api)["volumes"][0]["secret"]["secretName"] == f"{RELEASE}-trino-tls"
    assert c["livenessProbe"]["httpGet"]["path"] == "/live"
    # No Trino password of any user in its environment: callers bring their own.
    assert not [e for e in env.values() if "trino_" in e.get("valueFrom", {}).get("secretKeyRef", {}).get("key", "")]
    policies = {p["metadata"]["name"]: p for p in rendered.of_kind("NetworkPolicy")}

    def admitted(component: str) -> set[str]:
        rules = policies[f"{RELEASE}-{component}"]["spec"]["ingress"]
        return {f["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for r in rules for f in r["from"]}

    assert "fraud-api" in admitted("trino-coordinator") and "fraud-api" in admitted("kafka")
    assert "fraud-api" not in admitted("mlflow") and "fraud-api" not in admitted("postgresql")
