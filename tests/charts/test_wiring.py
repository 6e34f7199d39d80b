"""Wiring: every address a component is configured with is a Service of this release, on a port that Service
exposes, and the target's NetworkPolicy lets that component in. The project image gets every endpoint the
local runtime's settings name."""

from __future__ import annotations

import re

from pororoca_core import services

from .conftest import NAMESPACE, RELEASE, containers, pod_spec, render

# host:port of a Service of the release, or of a pod behind a headless Service (<pod>.<service>:port).
ADDRESS = re.compile(rf"\b(?:{RELEASE}-[a-z0-9-]+-\d+\.)?({RELEASE}-[a-z0-9-]+?)(?:\.{NAMESPACE}[a-z.]*)?:(\d+)\b")


def _service_ports(rendered) -> dict[str, set[int]]:
    return {s["metadata"]["name"]: {p["port"] for p in s["spec"]["ports"]} for s in rendered.of_kind("Service")}


def _configmap_text(rendered, obj) -> str:
    names = {v["configMap"]["name"] for v in pod_spec(obj).get("volumes", []) if "configMap" in v}
    return "\n".join(str(cm.get("data")) for cm in rendered.of_kind("ConfigMap") if cm["metadata"]["name"] in names)


def _addresses(rendered, obj) -> set[tuple[str, int]]:
    text = str([[c.get("env"), c.get("args"), c.get("command")] for c in containers(obj)]) + _configmap_text(
        rendered, obj
    )
    return {(host, int(port)) for host, port in ADDRESS.findall(text)}


def _env(obj) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for c in containers(obj) for e in c.get("env", [])}


def test_every_configured_address_is_a_service_port_of_the_release(profile):
    rendered = render(profile)
    ports = _service_ports(rendered)
    seen = 0
    for obj in rendered.workloads():
        for host, port in _addresses(rendered, obj):
            seen += 1
            assert host in ports, f"{obj['metadata']['name']} points at {host}:{port}: no such Service"
            assert port in ports[host], (
                f"{obj['metadata']['name']} uses {host}:{port}; the Service exposes {ports[host]}"
            )
    assert seen > 10


def test_network_policies_admit_every_configured_peer(profile):
    rendered = render(profile)
    services_by_name = {s["metadata"]["name"]: s for s in rendered.of_kind("Service")}
    policies = {
        p["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]: p
        for p in rendered.of_kind("NetworkPolicy")
    }
    for obj in rendered.workloads():
        client = obj["metadata"]["labels"]["app.kubernetes.io/component"]
        for host, port in _addresses(rendered, obj):
            target = services_by_name[host]["spec"]["selector"]["app.kubernetes.io/component"]
            if target == client:
                continue
            rule = policies[target]["spec"]["ingress"][0]
            allowed = {
                f["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
                for f in rule["from"]
                if "podSelector" in f
            }
            target_ports = {
                p["targetPort"] if isinstance(p["targetPort"], int) else p["port"]
                for p in services_by_name[host]["spec"]["ports"]
                if p["port"] == port
            }
            assert client in allowed, f"{client} -> {target}: not admitted by its NetworkPolicy"
            assert target_ports & {p["port"] for p in rule["ports"]}, f"{client} -> {target}:{port}: port not admitted"


def test_every_service_has_a_network_policy(profile):
    rendered = render(profile)
    selected = {
        p["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for p in rendered.of_kind("NetworkPolicy")
    }
    for s in rendered.of_kind("Service"):
        assert s["spec"]["selector"]["app.kubernetes.io/component"] in selected, s["metadata"]["name"]


def test_the_project_image_gets_every_endpoint_setting_of_the_local_runtime(profile):
    """The CLI reads the same settings as on a laptop (services.toml): each must point at a rendered Service."""
    rendered = render(profile)
    ports = _service_ports(rendered)
    config = services.load()
    wanted = {"postgres", "mariadb", "kafka", "connect", "trino", "minio"}
    (job,) = [o for o in rendered.of_kind("Job") if o["metadata"]["name"] == f"{RELEASE}-connectors"]
    env = _env(job)
    for name in wanted:
        setting = config.services[name].ports[0].setting
        host, port = env[f"POROROCA_{name.upper()}_HOST"], int(env[setting])
        if host in ports:
            assert port in ports[host], f"{setting}={port} but {host} exposes {ports[host]}"
        elif host.startswith(f"{RELEASE}-"):  # an optional component this profile leaves out
            component = host.removeprefix(f"{RELEASE}-")
            assert name in ("mariadb", "minio"), f"POROROCA_{name.upper()}_HOST={host}: no such Service"
            assert not [o for o in rendered.workloads() if o["metadata"]["name"] == host], component
        else:  # an external database, from the values
            assert "." in host, f"POROROCA_{name.upper()}_HOST={host} is neither a Service nor an external host"


def test_the_connectors_job_takes_the_initial_snapshot_as_configured_with_room_for_it(profile):
    """The bulk initial snapshot runs inside the Job: its mode is a value, its memory fits two readers' batches."""
    job = render(profile).named("Job", f"{RELEASE}-connectors")
    (apply,) = pod_spec(job)["containers"]
    command = apply["command"]
    assert command[command.index("--initial-snapshot") + 1] == "bulk"
    assert apply["resources"]["limits"]["memory"] == "1536Mi"
    rendered = render(profile, "connect.initialSnapshot=debezium")
    (apply,) = pod_spec(rendered.named("Job", f"{RELEASE}-connectors"))["containers"]
    assert apply["command"][-1] == "debezium"
