"""Render the Helm chart with the pinned helm (installed by `pororoca install`) and parse what it produced."""

from __future__ import annotations

import base64
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import yaml

from pororoca_core import manifest
from pororoca_core.paths import Paths

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "pororoca"
RELEASE = "pororoca"
NAMESPACE = "lakehouse"
KUBERNETES = "1.33.0"  # the oldest minor the supported clouds still run, on the test date
PROFILES = {
    "default": [],
    "kind": [CHART / "values-kind.yaml"],
    "eks": [CHART / "examples" / "values-eks.yaml"],
    "gke": [CHART / "examples" / "values-gke.yaml"],
    "aks": [CHART / "examples" / "values-aks.yaml"],
}


def helm_binary() -> Path:
    helm = manifest.load()["helm"]
    path = Paths.from_env().component_home(helm.name, helm.version) / "bin" / "helm"
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make install` (it builds helm {helm.version} with go install)")
    return path


def helm(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(helm_binary()), *args], capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)} failed:\n{result.stderr}")
    return result


def template_args(profile: str, *sets: str) -> list[str]:
    args = ["template", RELEASE, str(CHART), "--namespace", NAMESPACE, "--kube-version", KUBERNETES]
    for f in PROFILES[profile]:
        args += ["-f", str(f)]
    for s in sets:
        args += ["--set", s]
    return args


@dataclass(frozen=True)
class Rendered:
    objects: list[dict]

    def of_kind(self, kind: str) -> list[dict]:
        return [o for o in self.objects if o["kind"] == kind]

    def named(self, kind: str, name: str) -> dict:
        found = [o for o in self.of_kind(kind) if o["metadata"]["name"] == name]
        assert found, f"no {kind} {name}"
        return found[0]

    def workloads(self) -> list[dict]:
        return [o for o in self.objects if o["kind"] in ("Deployment", "StatefulSet", "Job", "Pod")]

    def secret_values(self) -> set[str]:
        values = set()
        for s in self.of_kind("Secret"):
            for v in (s.get("data") or {}).values():
                values.add(base64.b64decode(v).decode())
        return {v for v in values if len(v) >= 12 and not v.startswith("{")}


def pod_spec(obj: dict) -> dict:
    if obj["kind"] == "Pod":
        return obj["spec"]
    return obj["spec"]["template"]["spec"]


def containers(obj: dict) -> list[dict]:
    spec = pod_spec(obj)
    return spec.get("initContainers", []) + spec["containers"]


@cache
def render(profile: str, *sets: str) -> Rendered:
    out = helm(*template_args(profile, *sets)).stdout
    return Rendered([o for o in yaml.safe_load_all(out) if o])


@pytest.fixture(params=sorted(PROFILES))
def profile(request) -> str:
    return request.param
