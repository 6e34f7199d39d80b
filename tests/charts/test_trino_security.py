"""Trino in the cluster is as locked down as locally: HTTPS with a password for every client, the nodes' traffic
signed with a shared secret, the access audit listener, and the same rules and masks (safe by default included)."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import RELEASE, ROOT, containers, pod_spec, render

CA_PATH = "/var/lib/pororoca/tls/trino-ca.pem"  # Paths.trino_ca under the pods' state directory


def _properties(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def _trino(role: str) -> dict:
    return render("default").named("Deployment", f"{RELEASE}-trino-{role}")


def _env(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


def _secret_data(name: str) -> dict[str, str]:
    secret = render("default").named("Secret", name)
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


def _users() -> list[str]:
    groups = (ROOT / "stack/conf/trino/groups.txt").read_text().splitlines()
    return sorted({u for line in groups if ":" in line for u in line.split(":", 1)[1].split(",") if u})


def test_clients_speak_https_with_a_password_and_nodes_sign_with_the_shared_secret():
    config = render("default").named("ConfigMap", f"{RELEASE}-trino")["data"]
    coordinator = _properties(config["coordinator.properties"])
    assert coordinator["http-server.https.enabled"] == "true" and coordinator["http-server.https.port"] == "8443"
    assert coordinator["http-server.authentication.type"] == "PASSWORD"
    authenticator = _properties(config["password-authenticator.properties"])
    assert authenticator["password-authenticator.name"] == "file"
    assert authenticator["file.password-file"] == "/etc/trino/password.db"
    for role, file in (("coordinator", "coordinator.properties"), ("workers", "worker.properties")):
        settings = _properties(config[file])
        assert settings["internal-communication.shared-secret"] == "${ENV:POROROCA_TRINO_SHARED_SECRET}", role
        (trino,) = [c for c in containers(_trino(role)) if c["name"] == "trino"]
        key = _env(trino)["POROROCA_TRINO_SHARED_SECRET"]["valueFrom"]["secretKeyRef"]["key"]
        assert key == "trino_shared_secret", role
    service = render("default").named("Service", f"{RELEASE}-trino")
    assert [p["port"] for p in service["spec"]["ports"]] == [8443, 8080]


def test_every_user_of_the_access_policy_has_a_generated_password_and_a_bcrypt_line():
    data = _secret_data(f"{RELEASE}-credentials")
    lines = dict(line.split(":", 1) for line in data["trino-password.db"].splitlines())
    assert sorted(lines) == _users() and "analyst" in lines and "pororoca" in lines
    for user, hashed in lines.items():
        # Trino's file authenticator accepts bcrypt of cost >= 8 (checked against Trino 476 by hand).
        assert re.fullmatch(r"\$2a\$(\d\d)\$[./A-Za-z0-9]{53}", hashed) and int(hashed[4:6]) >= 8, user
        assert len(data[f"trino_{user}_password"]) >= 20, user
    volume = next(v for v in pod_spec(_trino("coordinator"))["volumes"] if v["name"] == "config")
    secret = next(s["secret"] for s in volume["projected"]["sources"] if "secret" in s)
    assert secret["items"] == [{"key": "trino-password.db", "path": "password.db", "mode": 0o400}]


def test_the_coordinator_runs_our_plugin_with_every_access_control_and_the_audit_listener():
    config = render("default").named("ConfigMap", f"{RELEASE}-trino")["data"]
    coordinator = _properties(config["coordinator.properties"])
    controls = coordinator["access-control.config-files"].split(",")
    assert [Path(c).name for c in controls] == [
        "access-control.properties", "table-procedures.properties", "unreviewed-columns.properties",
    ]  # fmt: skip
    volume = next(v for v in pod_spec(_trino("coordinator"))["volumes"] if v["name"] == "config")
    mounted = {i["path"] for s in volume["projected"]["sources"] if "configMap" in s for i in s["configMap"]["items"]}
    assert {Path(c).name for c in controls} | {"reviewed-columns.properties", "audit-listener.properties"} <= mounted
    assert (
        _properties(config["unreviewed-columns.properties"])["columns-file"] == "/etc/trino/reviewed-columns.properties"
    )
    assert config["reviewed-columns.properties"] == (ROOT / "stack/conf/trino/reviewed-columns.properties").read_text()
    assert coordinator["event-listener.config-files"] == "/etc/trino/audit-listener.properties"
    audit = _properties(config["audit-listener.properties"])
    assert audit["event-listener.name"] == "pororoca-audit"
    assert audit["kafka.bootstrap-servers"] == f"{RELEASE}-kafka:9092"
    (trino,) = [c for c in containers(_trino("coordinator")) if c["name"] == "trino"]
    env = _env(trino)
    assert (
        env["POROROCA_KAFKA_TRINO_AUDIT_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == "kafka_trino_audit_password"
    )
    assert env["POROROCA_AUDIT_FINGERPRINT_KEY"]["valueFrom"]["secretKeyRef"]["key"] == "trino_audit_fingerprint_key"
    assert any(m["mountPath"] == str(Path(audit["spool.path"]).parent) for m in trino["volumeMounts"])
    # The plugin ships in our derived image (the Dockerfile's `trino` target), not in the upstream one.
    assert trino["image"].startswith("pororoca/trino:")
    assert re.search(
        r"^COPY --from=build /opt/trino-plugin/ /usr/lib/trino/plugin/$", (ROOT / "Dockerfile").read_text(), re.M
    )


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_the_generated_certificate_is_signed_by_the_ca_clients_trust_and_names_the_service(tmp_path):
    data = _secret_data(f"{RELEASE}-trino-tls")
    for key in ("ca.crt", "tls.crt", "tls.key"):
        (tmp_path / key).write_text(data[key])
    verify = subprocess.run(
        ["openssl", "verify", "-CAfile", tmp_path / "ca.crt", tmp_path / "tls.crt"], capture_output=True, text=True
    )
    assert verify.returncode == 0, verify.stderr
    names = subprocess.run(
        ["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", tmp_path / "tls.crt"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert f"DNS:{RELEASE}-trino," in names and f"DNS:{RELEASE}-trino.lakehouse.svc.cluster.local" in names
    keystore = next(c for c in containers(_trino("coordinator")) if c["name"] == "keystore")
    assert "/tls/tls.key /tls/tls.crt > /keystore/trino.pem" in keystore["command"][-1]


def test_every_trino_client_trusts_the_ca_and_uses_the_https_port():
    rendered = render("default")
    project_image = rendered.named("Job", f"{RELEASE}-dashboards")["spec"]["template"]["spec"]["containers"][0]["image"]
    clients = 0
    for obj in rendered.workloads():
        for c in containers(obj):
            env = _env(c)
            # The project's CLI, reading the shared credentials (the bucket Job reads the admin file, not Trino).
            if c["image"] != project_image or not any(m["name"] == "credentials" for m in c.get("volumeMounts", [])):
                continue
            clients += 1
            where = f"{obj['metadata']['name']}/{c['name']}"
            assert env["POROROCA_TRINO_PORT"]["value"] == "8443", where
            assert any(m["mountPath"] == CA_PATH for m in c["volumeMounts"]), where
    assert clients >= 5  # the Airflow containers, the load and workload, the catalog and dashboards jobs
    superset = rendered.named("Deployment", f"{RELEASE}-superset")
    (container,) = [c for c in containers(superset) if c["name"] == "superset"]
    assert any(m["mountPath"] == CA_PATH for m in container["volumeMounts"])  # the registered connection verifies


def test_only_clients_reach_https_and_the_coordinator_may_publish_audit_records():
    policies = {p["metadata"]["name"]: p["spec"] for p in render("default").of_kind("NetworkPolicy")}

    def admitted(component: str) -> set[str]:
        rules = policies[f"{RELEASE}-{component}"]["ingress"]
        return {f["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for r in rules for f in r["from"]}

    ports = {p["port"] for r in policies[f"{RELEASE}-trino-coordinator"]["ingress"] for p in r["ports"]}
    assert ports == {8080, 8443}
    assert "trino-coordinator" in admitted("kafka") and "trino-workers" not in admitted("kafka")


@pytest.mark.parametrize("profile", ["default", "kind"])
def test_helm_test_proves_the_policy_with_a_real_query_as_the_analyst(profile):
    rendered = render(profile)
    (pod,) = [o for o in rendered.of_kind("Pod") if o["metadata"]["name"] == f"{RELEASE}-test-access"]
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    (c,) = containers(pod)
    assert c["command"] == ["pororoca", "cluster", "check-access"]
    assert _env(c)["POROROCA_TRINO_PORT"]["value"] == "8443"
    assert {m["mountPath"] for m in c["volumeMounts"]} >= {CA_PATH, "/var/lib/pororoca/credentials.json"}
    # Its label is the connectivity test's: the network policies admit it to the coordinator.
    assert pod["metadata"]["labels"]["app.kubernetes.io/component"] == "test"
