"""One configuration, two runtimes: the chart mounts the local runtime's component templates (charts/pororoca/
files/conf is stack/conf) and pins the images of the versions manifest."""

from __future__ import annotations

import json
import re
import tomllib

import pytest
import yaml

from pororoca_core import manifest

from .conftest import CHART, RELEASE, ROOT, render

PLACEHOLDER = re.compile(r"\$\{[a-z][a-z0-9_.]*\}")
SHARED = {  # local template -> (ConfigMap, key)
    "trino/catalog/lakehouse.properties": (f"{RELEASE}-trino", "lakehouse.properties"),
    "connect/connect-distributed.properties": (f"{RELEASE}-connect", "connect-distributed.properties"),
    "mariadb/my.cnf": (f"{RELEASE}-mariadb", "pororoca.cnf"),
    "trino/access-control.properties": (f"{RELEASE}-trino", "access-control.properties"),
    "trino/table-procedures.properties": (f"{RELEASE}-trino", "table-procedures.properties"),
    "trino/unreviewed-columns.properties": (f"{RELEASE}-trino", "unreviewed-columns.properties"),
    "trino/password-authenticator.properties": (f"{RELEASE}-trino", "password-authenticator.properties"),
    "trino/audit-listener.properties": (f"{RELEASE}-trino", "audit-listener.properties"),
}


def _settings(text: str) -> dict[str, str]:
    pairs = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def test_the_chart_mounts_the_local_templates():
    link = CHART / "files" / "conf"
    assert link.is_symlink() and link.resolve() == (ROOT / "stack" / "conf").resolve()


@pytest.mark.parametrize("template", sorted(SHARED))
def test_shared_configuration_differs_only_where_the_local_template_has_a_placeholder(template):
    local = _settings((ROOT / "stack" / "conf" / template).read_text())
    name, key = SHARED[template]
    chart = _settings(render("default").named("ConfigMap", name)["data"][key])
    assert len(chart) == len(local), set(chart) ^ set(local)
    for setting, value in local.items():
        # A placeholder in a key (a warehouse name) matches whatever the chart put there.
        pattern = re.compile(
            "".join(
                r"[^=\s]+" if PLACEHOLDER.fullmatch(p) else re.escape(p)
                for p in re.split(r"(\$\{[a-z][a-z0-9_.]*\})", setting)
            )
        )
        (matched,) = [k for k in chart if pattern.fullmatch(k)] or [None]
        assert matched is not None, f"{setting} is missing from the chart's {key}"
        if PLACEHOLDER.search(value) is None:
            assert chart[matched] == value, setting
        else:
            assert PLACEHOLDER.search(chart[matched]) is None, f"{setting}: {chart[matched]}"


def test_trino_access_rules_and_superset_config_are_the_local_files():
    rendered = render("default")
    trino = rendered.named("ConfigMap", f"{RELEASE}-trino")["data"]
    assert json.loads(trino["rules.json"]) == json.loads((ROOT / "stack/conf/trino/rules.json").read_text())
    assert trino["groups.txt"] == (ROOT / "stack/conf/trino/groups.txt").read_text()
    assert "file.group-file=/etc/trino/groups.txt" in trino["group-provider.properties"]
    local = (ROOT / "stack/conf/superset/superset_config.py").read_text().splitlines()
    chart = rendered.named("ConfigMap", f"{RELEASE}-superset")["data"]["superset_config.py"].splitlines()
    assert len(chart) == len(local)
    for mine, theirs in zip(local, chart, strict=True):
        if PLACEHOLDER.search(mine):
            assert PLACEHOLDER.search(theirs) is None and f"{RELEASE}-postgresql" in theirs, theirs
        else:
            assert mine == theirs


def test_the_dashboards_job_applies_the_repository_dashboards_after_superset_init():
    rendered = render("default")
    job = rendered.named("Job", f"{RELEASE}-dashboards")
    init = rendered.named("Job", f"{RELEASE}-superset-init")
    weight = int(job["metadata"]["annotations"]["helm.sh/hook-weight"])
    assert weight > int(init["metadata"]["annotations"]["helm.sh/hook-weight"])
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["pororoca", "dashboards", "apply"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["POROROCA_SUPERSET_HOST"] == f"{RELEASE}-superset"
    assert env["POROROCA_TRINO_HOST"] == f"{RELEASE}-trino"


def test_images_agree_with_the_versions_manifest():
    images = yaml.safe_load((CHART / "values.yaml").read_text())["images"]
    m = manifest.load()
    same_version = {"kafka": "kafka", "connect": "debezium", "trino": "trino", "minio": "minio", "airflow": "airflow"}
    for image, component in same_version.items():
        assert images[image]["tag"] == m[component].version, image
    assert images["postgresql"]["tag"].startswith(m["postgresql"].version + ".")
    assert images["mariadb"]["tag"].startswith(m["mariadb"].version + ".")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert images["project"]["tag"] == project
    # The ingestion package (local) and the server (chart) release together: 2.0.6.0 is the client of 2.0.6.
    assert m["openmetadata"].version.startswith(images["openmetadata"]["tag"] + ".")
    # Not in the local manifest yet (their issues add them); pinned here, never floating.
    for image in ("superset", "opensearch"):
        assert re.fullmatch(r"\d+\.\d+\.\d+(-[a-z0-9.]+)?", images[image]["tag"]), image


def test_the_dockerfile_takes_versions_from_the_manifest_and_pins_its_bases():
    dockerfile = (ROOT / "Dockerfile").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert "pororoca install --only iceberg_sink,spark,trino_audit" in dockerfile
    # The catalog DAG's tasks run `pororoca metadata ingest`, the retraining DAG's `pororoca fraud train`, in the
    # project image: their environments and the fraud package are there.
    assert (
        "POROROCA_CACHE_DIR=/opt/pororoca/cache /opt/pororoca/venv/bin/pororoca install --only openmetadata,fraud"
        in dockerfile
    )
    assert "COPY fraud fraud" in dockerfile
    assert re.search(r"^ENV .*\n?.*POROROCA_CACHE_DIR=/opt/pororoca/cache$", dockerfile, re.M)
    assert "MINIO_VERSION=$(call MANIFEST_VERSION,minio)" in makefile
    assert "AIRFLOW_VERSION=$(call MANIFEST_VERSION,airflow)" in makefile
    for base in re.findall(r"^(?:FROM|ARG PYTHON_IMAGE=)\s*(\S+)", dockerfile, re.M):
        if base.startswith("${") or " AS " in base:
            continue
        _, _, tag = base.partition(":")
        argument = re.fullmatch(r"\$\{([A-Z]+)_VERSION\}", tag)
        if argument:  # an upstream server we extend: the Makefile passes the manifest's version
            component = argument.group(1).lower()
            assert f"{argument.group(1)}_VERSION=$(call MANIFEST_VERSION,{component})" in makefile, base
            continue
        assert tag and tag != "latest" and re.search(r"\d", tag), base
