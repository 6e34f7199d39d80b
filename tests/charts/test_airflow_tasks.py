"""Airflow tasks run in the cluster: each is a pod of the project image (dags/pororoca_common.py:cli_task reads
the template the chart mounts), with the CLI's addresses, credentials and Trino's CA, and Spark inside it."""

from __future__ import annotations

import pytest
import yaml

from .conftest import RELEASE, containers, render

TEMPLATE = "/opt/airflow/task-pod/pod.yaml"


def _task_pod(*sets: str) -> dict:
    config = render("default", *sets).named("ConfigMap", f"{RELEASE}-airflow-task")
    return yaml.safe_load(config["data"]["pod.yaml"])


def _env(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


def test_the_task_pod_runs_the_project_cli_with_its_credentials_and_trinos_ca():
    pod = _task_pod()
    (base,) = pod["spec"]["containers"]
    assert base["name"] == "base"  # the container KubernetesPodOperator runs `pororoca <arguments>` in
    dashboards = render("default").named("Job", f"{RELEASE}-dashboards")
    assert base["image"] == containers(dashboards)[0]["image"]
    env = _env(base)
    assert env["POROROCA_TRINO_PORT"]["value"] == "8443" and env["POROROCA_STATE_DIR"]["value"] == "/var/lib/pororoca"
    mounts = {m["mountPath"] for m in base["volumeMounts"]}
    assert {"/var/lib/pororoca/credentials.json", "/var/lib/pororoca/tls/trino-ca.pem"} <= mounts
    assert pod["spec"]["securityContext"]["runAsNonRoot"] and base["securityContext"]["readOnlyRootFilesystem"]
    assert pod["metadata"]["labels"]["app.kubernetes.io/component"] == "airflow-task"
    items = [i["key"] for s in pod["spec"]["volumes"][0]["projected"]["sources"] for i in s["secret"]["items"]]
    assert items == ["credentials.json", "ca.crt"]  # never the admin file with MinIO's root key


@pytest.mark.parametrize("on_kubernetes", [False, True])
def test_spark_runs_in_the_task_pod_unless_executors_are_asked_for_on_kubernetes(on_kubernetes):
    (base,) = _task_pod(f"airflow.spark.onKubernetes={str(on_kubernetes).lower()}")["spec"]["containers"]
    master = _env(base).get("POROROCA_SPARK_MASTER", {}).get("value")
    assert master == ("k8s://https://kubernetes.default.svc" if on_kubernetes else None)


def test_every_airflow_process_names_the_template_and_may_run_and_follow_task_pods():
    rendered = render("default")
    for component in ("api-server", "scheduler", "dag-processor"):
        deployment = rendered.named("Deployment", f"{RELEASE}-airflow-{component}")
        (airflow,) = [c for c in containers(deployment) if c["name"] == component]
        assert _env(airflow)["POROROCA_TASK_POD_TEMPLATE"]["value"] == TEMPLATE, component
        assert any(m["mountPath"] + "/pod.yaml" == TEMPLATE for m in airflow["volumeMounts"]), component
    rules = rendered.named("Role", f"{RELEASE}-airflow")["rules"]
    granted = {(r, v) for rule in rules for r in rule["resources"] for v in rule["verbs"]}
    assert {("pods", "create"), ("pods", "delete"), ("pods", "watch"), ("pods/log", "get")} <= granted


@pytest.mark.parametrize("enabled", [True, False])
def test_the_silver_stream_is_live_from_the_start_unless_turned_off_and_its_run_length_is_a_variable(enabled):
    rendered = render("default", f"airflow.silverStream.enabled={str(enabled).lower()}",
                      "airflow.silverStream.minutes=20")  # fmt: skip
    for component in ("scheduler", "dag-processor"):
        deployment = rendered.named("Deployment", f"{RELEASE}-airflow-{component}")
        (airflow,) = [c for c in containers(deployment) if c["name"] == component]
        env = _env(airflow)
        # The DAG reads the first when it is created, the task's command the second (an Airflow Variable).
        assert env["POROROCA_STREAM_LIVE"]["value"] == str(enabled).lower(), component
        assert env["AIRFLOW_VAR_POROROCA_STREAM_MINUTES"]["value"] == "20", component


def test_task_pods_reach_what_the_cli_talks_to():
    policies = {p["metadata"]["name"]: p["spec"] for p in render("default").of_kind("NetworkPolicy")}
    for target in ("postgresql", "mariadb", "minio", "kafka", "connect", "trino-coordinator", "superset"):
        rules = policies[f"{RELEASE}-{target}"]["ingress"]
        admitted = {f["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for r in rules for f in r["from"]}
        assert "airflow-task" in admitted, target
