"""The Iceberg catalog in the chart: the same JDBC catalog and engine roles as the local runtime, set up by a
Job running the same code, each engine with its own password from the release's Secret."""

from __future__ import annotations

from pororoca_core import services

from .conftest import RELEASE, containers, render


def _job(rendered, name: str) -> dict:
    (job,) = [o for o in rendered.of_kind("Job") if o["metadata"]["name"] == f"{RELEASE}-{name}"]
    return job


def _secret_keys(container: dict) -> dict[str, str]:
    return {
        e["name"]: e["valueFrom"]["secretKeyRef"]["key"]
        for e in container.get("env", [])
        if "valueFrom" in e and "secretKeyRef" in e["valueFrom"]
    }


def test_the_catalog_job_runs_before_the_connectors_on_every_install_and_upgrade(profile):
    rendered = render(profile)
    catalog, connectors = _job(rendered, "catalog"), _job(rendered, "connectors")
    hooks = catalog["metadata"]["annotations"]
    assert hooks["helm.sh/hook"] == "post-install,post-upgrade"
    assert int(hooks["helm.sh/hook-weight"]) < int(connectors["metadata"]["annotations"]["helm.sh/hook-weight"])
    (container,) = catalog["spec"]["template"]["spec"]["containers"]
    assert container["command"][:3] == ["pororoca", "cluster", "iceberg-catalog"]


def test_the_release_secret_holds_a_password_for_every_engine_role():
    (secret,) = [s for s in render("default").of_kind("Secret") if s["metadata"]["name"] == f"{RELEASE}-credentials"]
    for engine in services.load().catalog_engines:
        assert f"catalog_{engine}_password" in secret["data"], engine
    assert not [k for k in secret["data"] if "nessie" in k]


def test_trino_and_connect_each_log_in_to_the_catalog_as_their_own_role():
    rendered = render("default")
    catalog = rendered.named("ConfigMap", f"{RELEASE}-trino")["data"]["lakehouse.properties"]
    assert "iceberg.catalog.type=jdbc" in catalog
    assert f"iceberg.jdbc-catalog.connection-url=jdbc:postgresql://{RELEASE}-postgresql:5432/iceberg" in catalog
    assert "iceberg.jdbc-catalog.connection-user=catalog_trino" in catalog
    roles = {}
    for obj in rendered.workloads():
        for c in containers(obj):
            key = _secret_keys(c).get("POROROCA_CATALOG_PASSWORD")
            if key:
                roles[obj["metadata"]["name"]] = key
    assert roles == {
        f"{RELEASE}-trino-coordinator": "catalog_trino_password",
        f"{RELEASE}-trino-workers": "catalog_trino_password",
        f"{RELEASE}-connect": "catalog_connect_password",
    }


def test_no_nessie_is_left_in_any_profile(profile):
    rendered = render(profile)
    assert not [o["metadata"]["name"] for o in rendered.objects if "nessie" in o["metadata"]["name"]]
