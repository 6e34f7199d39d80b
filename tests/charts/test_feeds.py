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
