"""Kafka in the cluster is locked down like the local broker: the same SASL and authorizer settings (the chart's
image takes them as KAFKA_* variables), the principals of stack/kafka_principals.toml applied by a Job before the
connectors, each password from the release Secret, and Connect's REST API behind HTTP Basic."""

from __future__ import annotations

import base64
import json

import pytest

from pororoca_core import kafka_access

from .conftest import RELEASE, ROOT, containers, render

SECURITY_KEYS = ("listener.security.protocol.map", "sasl.", "listener.name.", "authorizer.", "super.users",
                 "allow.everyone.if.no.acl.found", "config.providers")  # fmt: skip


def _env_name(key: str) -> str:
    """The apache/kafka image's convention: `.` -> `_`, `_` -> `__`, `-` -> `___`, upper case, KAFKA_ prefix."""
    return "KAFKA_" + key.replace("_", "__").replace("-", "___").replace(".", "_").upper()


def _local_security_settings() -> dict[str, str]:
    out = {}
    for line in (ROOT / "stack/conf/kafka/server.properties").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#") and key.startswith(SECURITY_KEYS):
            out[key] = value
    return out


def _env(obj: dict) -> dict[str, dict]:
    return {e["name"]: e for c in containers(obj) for e in c.get("env", [])}


def test_the_cluster_broker_has_the_local_security_settings(profile):
    local = _local_security_settings()
    assert len(local) >= 10
    env = _env(render(profile).named("StatefulSet", f"{RELEASE}-kafka"))
    for key, value in local.items():
        assert env[_env_name(key)]["value"] == value, key
    assert env["POROROCA_KAFKA_ADMIN_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == "kafka_admin_password"
    assert "PLAINTEXT:PLAINTEXT" not in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"]["value"]


def test_principals_are_applied_before_the_connectors(profile):
    rendered = render(profile)
    job = rendered.named("Job", f"{RELEASE}-kafka-principals")
    (container,) = containers(job)
    assert container["command"] == ["pororoca", "kafka-principals"]
    weight = int(job["metadata"]["annotations"]["helm.sh/hook-weight"])
    connectors = rendered.named("Job", f"{RELEASE}-connectors")
    assert weight < int(connectors["metadata"]["annotations"]["helm.sh/hook-weight"])


def test_the_release_secret_holds_every_kafka_and_connect_password():
    secret = render("default").named("Secret", f"{RELEASE}-credentials")
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    creds = json.loads(data["credentials.json"])
    for name in [*kafka_access.secret_names(), "connect_rest_password"]:
        assert len(creds[name]) == 32 and data[name] == creds[name], name
    assert data["rest-users.properties"] == f"pororoca={creds['connect_rest_password']}\n"


def test_connect_runs_with_its_principals_and_an_authenticated_rest_api(profile):
    rendered = render(profile)
    deployment = rendered.named("Deployment", f"{RELEASE}-connect")
    env = _env(deployment)
    for p in ("connect", "cdc", "sink"):
        assert env[f"POROROCA_KAFKA_{p.upper()}_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == f"kafka_{p}_password"
    assert "-Djava.security.auth.login.config=/etc/pororoca/connect/rest-jaas.conf" in env["KAFKA_OPTS"]["value"]
    jaas = rendered.named("ConfigMap", f"{RELEASE}-connect")["data"]["rest-jaas.conf"]
    assert 'file="/etc/pororoca/rest/rest-users.properties"' in jaas
    (container,) = [c for c in containers(deployment) if c["name"] == "connect"]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert mounts["/etc/pororoca/rest"] == "rest-users"
    props = rendered.named("ConfigMap", f"{RELEASE}-connect")["data"]["connect-distributed.properties"]
    assert (
        "rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
        in props
    )


def test_the_cluster_object_store_encrypts_every_object_like_the_local_one(profile):
    rendered = render(profile)
    minio = [o for o in rendered.workloads() if o["metadata"]["name"] == f"{RELEASE}-minio"]
    if not minio:
        pytest.skip("this profile uses an external object store (its provider's encryption at rest)")
    env = _env(minio[0])
    assert env["MINIO_KMS_AUTO_ENCRYPTION"]["value"] == "on"
    assert env["MINIO_KMS_SECRET_KEY"]["value"] == "pororoca-lake:$(POROROCA_MINIO_KMS_KEY)"
    assert env["POROROCA_MINIO_KMS_KEY"]["valueFrom"]["secretKeyRef"]["key"] == "minio_kms_key"
    secret = render("default").named("Secret", f"{RELEASE}-credentials")
    key = base64.b64decode(base64.b64decode(secret["data"]["minio_kms_key"]))
    assert len(key) == 32
