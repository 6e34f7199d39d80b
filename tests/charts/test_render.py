"""Every profile lints, renders objects valid for the pinned Kubernetes version, and follows the policies."""

from __future__ import annotations

import re

import kubernetes_validate
import pytest
import yaml

from .conftest import CHART, KUBERNETES, PROFILES, RELEASE, containers, helm, pod_spec, render

SECRETISH = re.compile(r"PASSWORD|SECRET|TOKEN|ACCESS_KEY|CREDENTIAL", re.I)


def test_lint(profile):
    args = ["lint", str(CHART), "--strict", "--kube-version", KUBERNETES]
    for f in PROFILES[profile]:
        args += ["-f", str(f)]
    result = helm(*args, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_object_is_valid_for_the_pinned_kubernetes(profile):
    objects = render(profile).objects
    assert len(objects) > 30
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as e:
            pytest.fail(f"{obj['kind']} {obj['metadata']['name']}: {e.message} at {list(e.path)}")


def test_pods_run_as_non_root_with_the_default_seccomp_profile(profile):
    for obj in render(profile).workloads():
        ctx = pod_spec(obj)["securityContext"]
        assert ctx["runAsNonRoot"] is True and ctx["runAsUser"] > 0, obj["metadata"]["name"]
        assert ctx["seccompProfile"]["type"] == "RuntimeDefault", obj["metadata"]["name"]


def test_every_container_is_sized_locked_down_and_pinned(profile):
    for obj in render(profile).workloads():
        for c in containers(obj):
            where = f"{obj['metadata']['name']}/{c['name']}"
            res = c["resources"]
            assert {"cpu", "memory"} <= set(res["requests"]) and "memory" in res["limits"], where
            sec = c["securityContext"]
            assert sec["allowPrivilegeEscalation"] is False and sec["capabilities"]["drop"] == ["ALL"], where
            image = c["image"]
            tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
            assert tag and tag != "latest", f"{where}: unpinned image {image}"


def test_long_running_containers_have_probes(profile):
    for obj in render(profile).objects:
        if obj["kind"] not in ("Deployment", "StatefulSet"):
            continue
        for c in pod_spec(obj)["containers"]:
            assert "readinessProbe" in c and "livenessProbe" in c, f"{obj['metadata']['name']}/{c['name']}"


def test_no_secret_is_written_in_plain_text_outside_secrets(profile):
    rendered = render(profile)
    secrets = rendered.secret_values()
    for obj in rendered.objects:
        if obj["kind"] == "Secret":
            continue
        text = str(obj)
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{obj['kind']} {obj['metadata']['name']} holds a secret value"
    for obj in rendered.workloads():
        for c in containers(obj):
            for env in c.get("env", []):
                if SECRETISH.search(env["name"]) and not env["name"].endswith("_FILE") and "value" in env:
                    assert "$(" in env["value"] or not env["value"], f"{obj['metadata']['name']}: {env['name']}"


def test_images_are_the_pinned_values(profile):
    values_images = {
        f"{i['repository']}:{i['tag']}" for i in yaml.safe_load((CHART / "values.yaml").read_text())["images"].values()
    }
    for obj in render(profile).workloads():
        for c in containers(obj):
            assert c["image"] in values_images, c["image"]


def test_helm_test_hook_checks_every_service_of_the_release(profile):
    rendered = render(profile)
    (test,) = [o for o in rendered.of_kind("Pod") if o["metadata"]["name"] == f"{RELEASE}-test"]
    targets = set(test["spec"]["containers"][0]["args"])
    admits_test = {
        p["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for p in rendered.of_kind("NetworkPolicy")
        if any(f.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/component") == "test"
               for rule in p["spec"]["ingress"] for f in rule["from"])
    }  # fmt: skip
    services = {
        f"{s['metadata']['name']}:{s['spec']['ports'][0]['port']}"
        for s in rendered.of_kind("Service")
        if not s["metadata"]["name"].endswith("-headless")
        and s["spec"]["selector"]["app.kubernetes.io/component"] in admits_test
    }
    assert targets == services
