"""values.schema.json refuses bad values with a clear message; the profiles do what they promise."""

from __future__ import annotations

import re

import pytest
import yaml

from .conftest import CHART, RELEASE, helm, render, template_args


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("kafka.replicas=0", "/kafka/replicas"),
        ("images.trino.tag=latest", "/images/trino/tag"),
        ("lakehouse.bucket=Not_A_Bucket", "/lakehouse/bucket"),
        ("kafka.heap=lots", "/kafka/heap"),
        ("kafak.replicas=3", "kafak"),
        ("postgresql.enabled=false", "externalPostgresql"),
        ("minio.enabled=false", "externalS3"),
        ("externalS3.endpoint=s3.example.com", "/externalS3/endpoint"),
    ],
)
def test_bad_values_are_refused_naming_the_value(setting, message):
    result = helm(*template_args("default", setting), check=False)
    assert result.returncode != 0, f"{setting} was accepted"
    assert message in result.stderr, result.stderr


def _quantity(value: str) -> float:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "m": 1e-3, "": 1}
    number, unit = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value)).groups()
    return float(number) * units[unit]


def test_the_kind_profile_fits_a_4_cpu_16_gb_laptop():
    cpu = memory = limits = 0.0
    for obj in render("kind").objects:
        if obj["kind"] not in ("Deployment", "StatefulSet"):
            continue
        replicas = obj["spec"].get("replicas", 1)
        for c in obj["spec"]["template"]["spec"]["containers"]:
            cpu += replicas * _quantity(c["resources"]["requests"]["cpu"])
            memory += replicas * _quantity(c["resources"]["requests"]["memory"])
            limits += replicas * _quantity(c["resources"]["limits"]["memory"])
    # The budget stated in values-kind.yaml: requests within 3.25 CPU and 10.5 GiB, limits within 13.5 GiB.
    assert cpu <= 3.25 and memory <= 10.5 * 2**30 and limits <= 13.5 * 2**30, (cpu, memory / 2**30, limits / 2**30)


@pytest.mark.parametrize("profile", ["eks", "gke"])
def test_cloud_profiles_use_the_managed_database_and_object_store(profile):
    rendered = render(profile)
    names = {o["metadata"]["name"] for o in rendered.workloads()}
    assert f"{RELEASE}-postgresql" not in names and f"{RELEASE}-minio" not in names
    values = yaml.safe_load((CHART / "examples" / f"values-{profile}.yaml").read_text())
    catalog = rendered.named("ConfigMap", f"{RELEASE}-trino")["data"]["lakehouse.properties"]
    assert f"s3.endpoint={values['externalS3']['endpoint']}" in catalog
    assert f"jdbc:postgresql://{values['externalPostgresql']['host']}:" in catalog
    # Credentials come from the existing Secret; only Trino's generated certificate is the chart's.
    assert [s["metadata"]["name"] for s in rendered.of_kind("Secret")] == [f"{RELEASE}-trino-tls"]


def test_no_values_file_carries_a_secret():
    for f in [CHART / "values.yaml", CHART / "values-kind.yaml", *sorted((CHART / "examples").glob("*.yaml"))]:
        for line in f.read_text().splitlines():
            if re.search(r"(password|secret|token|access.?key)\s*:", line, re.I) and not line.strip().startswith("#"):
                _, _, value = line.partition(":")
                assert value.strip() in ("", '""', "pororoca-credentials"), f"{f.name}: {line}"


def test_replicated_components_have_disruption_budgets_and_spread():
    rendered = render("default")
    budgets = {
        p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]
        for p in rendered.of_kind("PodDisruptionBudget")
    }
    assert {"kafka", "connect", "trino-workers", "airflow-api-server", "superset"} <= budgets
    for obj in rendered.of_kind("Deployment") + rendered.of_kind("StatefulSet"):
        if obj["spec"].get("replicas", 1) > 1:
            assert "podAntiAffinity" in obj["spec"]["template"]["spec"].get("affinity", {}), obj["metadata"]["name"]
