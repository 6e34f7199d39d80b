"""The engines hold bucket-scoped keys, never MinIO's root key: only MinIO itself and the Job that creates the
buckets and their keys (`pororoca cluster lakehouse-bucket`, as the local `up` does) ever see it."""

from __future__ import annotations

import base64
import json

from .conftest import RELEASE, containers, pod_spec, render

ROOT_KEYS = {"minio_root_user", "minio_root_password"}


def _credentials() -> dict[str, str]:
    secret = render("default").named("Secret", f"{RELEASE}-credentials")
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


def test_the_engines_keys_are_their_own_and_shaped_like_minio_keys():
    data = _credentials()
    for access, secret in (
        ("lakehouse_access_key", "lakehouse_secret_key"),
        ("mlflow_s3_access_key", "mlflow_s3_secret_key"),
    ):
        assert data[access] not in (data["minio_root_user"], data["minio_root_password"]), access
        assert len(data[access]) == 20 and len(data[secret]) == 32, access
    assert data["lakehouse_access_key"] != data["mlflow_s3_access_key"]
    shared = json.loads(data["credentials.json"])
    assert not ROOT_KEYS & set(shared) and "minio_kms_key" not in shared
    assert shared["lakehouse_access_key"] == data["lakehouse_access_key"]
    assert set(json.loads(data["credentials-admin.json"])) >= ROOT_KEYS


def test_only_minio_and_the_bucket_job_can_read_the_root_key():
    readers = set()
    for obj in render("default").workloads():
        spec = pod_spec(obj)
        env_keys = {
            e["valueFrom"]["secretKeyRef"]["key"]
            for c in containers(obj)
            for e in c.get("env", [])
            if "secretKeyRef" in e.get("valueFrom", {})
        }
        items = {
            i["key"]
            for v in spec.get("volumes", [])
            for source in [
                v.get("secret", {}),
                *(s.get("secret", {}) for s in v.get("projected", {}).get("sources", [])),
            ]
            for i in source.get("items", [])
        }
        if env_keys & ROOT_KEYS or "credentials-admin.json" in items:
            readers.add(obj["metadata"]["name"])
    assert readers == {f"{RELEASE}-minio", f"{RELEASE}-minio-bucket"}
    job = render("default").named("Job", f"{RELEASE}-minio-bucket")
    assert containers(job)[0]["command"] == [
        "pororoca",
        "lakehouse-bucket",
        "--lakehouse",
        "warehouse",
        "--mlflow",
        "mlflow",
    ]
