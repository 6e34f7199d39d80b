"""The landing zone in the cluster: the bucket Job applies it with the admin file, the Secret holds the ingestion's
key and a write-only key for every partner the feed contracts name."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import yaml

from pororoca_feeds import load_feeds

from .conftest import RELEASE, containers, render

PARTNERS = sorted({f.partner for f in load_feeds().values()})


def test_every_partner_of_the_feed_contracts_gets_its_own_key():
    secret = render("default").named("Secret", f"{RELEASE}-credentials")
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    keys = [f"landing_partner_{p}_secret_key" for p in PARTNERS]
    assert all(len(data[k]) == 32 for k in keys)
    assert len({data[k] for k in keys}) == len(keys)
    assert len(data["landing_ingest_access_key"]) == 20
    # The project image's file carries them: `pororoca feeds ingest` runs as a task pod from it.
    assert set(keys) | {"landing_ingest_secret_key"} <= set(json.loads(data["credentials.json"]))


def test_the_bucket_job_applies_the_landing_zone_with_the_admin_file():
    job = render("default").named("Job", f"{RELEASE}-minio-bucket")
    landing = next(c for c in containers(job) if c["name"] == "landing")
    assert landing["command"] == ["pororoca", "feeds", "apply"]
    mounts = {m["mountPath"]: m for m in landing["volumeMounts"]}
    assert mounts["/var/lib/pororoca/credentials.json"]["name"] == "admin-credentials"
    assert landing["securityContext"]["readOnlyRootFilesystem"] is True


def test_the_charts_partners_are_the_feed_contracts_partners():
    values = yaml.safe_load((Path(__file__).resolve().parents[2] / "charts/pororoca/values.yaml").read_text())
    assert sorted(values["feeds"]["partners"]) == PARTNERS


def _env(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


def test_minio_announces_the_landing_buckets_objects_to_kafka_with_a_secret_password():
    minio = next(
        c for c in containers(render("default").named("StatefulSet", f"{RELEASE}-minio")) if c["name"] == "minio"
    )
    env = _env(minio)
    assert env["MINIO_NOTIFY_KAFKA_ENABLE_LANDING"]["value"] == "on"
    assert env["MINIO_NOTIFY_KAFKA_TOPIC_LANDING"]["value"] == "landing.events"
    assert env["MINIO_NOTIFY_KAFKA_BROKERS_LANDING"]["value"] == f"{RELEASE}-kafka:9092"
    assert env["MINIO_NOTIFY_KAFKA_SASL_USERNAME_LANDING"]["value"] == "minio"
    password = env["MINIO_NOTIFY_KAFKA_SASL_PASSWORD_LANDING"]
    assert "value" not in password and password["valueFrom"]["secretKeyRef"]["key"] == "kafka_minio_password"
    # The queue of undelivered events is not under /data (where a directory is a bucket).
    queue = env["MINIO_NOTIFY_KAFKA_QUEUE_DIR_LANDING"]["value"]
    assert queue in {m["mountPath"] for m in minio["volumeMounts"]} and not queue.startswith("/data")


def test_the_triggerer_watches_the_landing_events_as_its_own_kafka_principal():
    triggerer = render("default").named("Deployment", f"{RELEASE}-airflow-triggerer")
    c = next(c for c in containers(triggerer) if c["name"] == "triggerer")
    assert c["args"] == ["triggerer"] and c["image"].startswith("pororoca/airflow:")
    env = _env(c)
    conn = env["AIRFLOW_CONN_POROROCA_LANDING_EVENTS"]["value"]
    assert (
        conn.startswith("kafka://?")
        and "sasl.username=landing-watch" in conn
        and "group.id=pororoca-landing-watch" in conn
    )
    # The password is the Secret's, expanded by Kubernetes: never written into the manifest.
    assert "sasl.password=$(POROROCA_KAFKA_LANDING_WATCH_PASSWORD)" in conn
    secret_ref = env["POROROCA_KAFKA_LANDING_WATCH_PASSWORD"]["valueFrom"]["secretKeyRef"]
    assert secret_ref["key"] == "kafka_landing_watch_password"
    assert list(env).index("POROROCA_KAFKA_LANDING_WATCH_PASSWORD") < list(env).index(
        "AIRFLOW_CONN_POROROCA_LANDING_EVENTS"
    )
    assert env["PYTHONPATH"]["value"] == "/opt/airflow/dags"  # the watcher's filter, pororoca_common.landing_drop
    assert "TriggererJob" in c["livenessProbe"]["exec"]["command"]
