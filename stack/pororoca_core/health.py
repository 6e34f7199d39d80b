"""Health probes. Each answers (healthy, detail) quickly and never raises."""

from __future__ import annotations

import socket
import subprocess
from dataclasses import dataclass

import requests

TIMEOUT = 3.0


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str


def tcp(host: str, port: int) -> Health:
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT):
            return Health(True, f"tcp {host}:{port} open")
    except OSError as e:
        return Health(False, f"tcp {host}:{port}: {e.strerror or e}")


def _at(body: object, dotted: str) -> object:
    """`a.b` looks up body["a"]["b"]: a nested field of a health document."""
    for part in dotted.split("."):
        body = body.get(part) if isinstance(body, dict) else None
    return body


def http(
    url: str, expect_json: dict | None = None, auth: tuple[str, str] | None = None, show: list[str] | None = None
) -> Health:
    """GET url: healthy on 200 (and the expected JSON fields); `show` names fields of the answer to report."""
    try:
        r = requests.get(url, timeout=TIMEOUT, auth=auth)
    except requests.RequestException as e:
        return Health(False, f"GET {url}: {type(e).__name__}")
    if r.status_code != 200:
        return Health(False, f"GET {url}: HTTP {r.status_code}")
    if expect_json:
        try:
            body = r.json()
        except ValueError:
            return Health(False, f"GET {url}: not JSON")
        wrong = {k: _at(body, k) for k, v in expect_json.items() if _at(body, k) != v}
        if wrong:
            return Health(False, f"GET {url}: {wrong}")
    if show:
        try:
            body = r.json()
        except ValueError:
            return Health(False, f"GET {url}: not JSON")
        return Health(True, " ".join(f"{k}={_at(body, k)}" for k in show))
    return Health(True, f"GET {url}: 200")


def command(argv: list[str]) -> Health:
    try:
        r = subprocess.run(argv, capture_output=True, timeout=TIMEOUT, text=True)
    except (OSError, subprocess.TimeoutExpired) as e:
        return Health(False, f"{argv[0]}: {e}")
    return Health(r.returncode == 0, f"{' '.join(argv[:1])} exit {r.returncode}")


def failed_connectors(statuses: dict) -> list[str]:
    """From Connect's `GET /connectors?expand=status`: each failed connector or task, with its error's first line.
    A failed task stays failed until someone restarts it (Connect never does), so the worker is not healthy."""
    failed = []
    for name, entry in sorted(statuses.items()):
        status = entry.get("status", {})
        parts = [("connector", status.get("connector", {}))]
        parts += [(f"task {t.get('id')}", t) for t in status.get("tasks", [])]
        for label, part in parts:
            if part.get("state") == "FAILED":
                why = _root_cause(part.get("trace") or "")
                failed.append(f"{name} {label} FAILED" + (f": {why[:200]}" if why else ""))
    return failed


def _root_cause(trace: str) -> str:
    """A Java stack trace's innermost cause (its first line says only that the task gave up)."""
    lines = trace.strip().splitlines()
    causes = [line.removeprefix("Caused by: ") for line in lines if line.startswith("Caused by: ")]
    return (causes or lines or [""])[-1 if causes else 0]


def connect(url: str, auth: tuple[str, str] | None = None) -> Health:
    """A Kafka Connect worker that answers and runs every connector and task it has been given."""
    try:
        r = requests.get(f"{url}/connectors", params={"expand": "status"}, timeout=TIMEOUT, auth=auth)
    except requests.RequestException as e:
        return Health(False, f"GET {url}/connectors: {type(e).__name__}")
    if r.status_code != 200:
        return Health(False, f"GET {url}/connectors: HTTP {r.status_code}")
    try:
        statuses = r.json()
    except ValueError:
        return Health(False, f"GET {url}/connectors: not JSON")
    failed = failed_connectors(statuses)
    if failed:
        return Health(False, "; ".join(failed))
    return Health(True, f"{len(statuses)} connectors running")


def probe(spec: dict, host: str) -> Health:
    kind = spec["kind"]
    if kind == "tcp":
        return tcp(host, int(spec["port"]))
    if kind == "http":
        auth = spec.get("auth")  # [user, password]: a service that answers authenticated clients only
        return http(spec["url"], spec.get("json"), tuple(auth) if auth else None, spec.get("show"))
    if kind == "command":
        return command(spec["command"])
    if kind == "connect":
        auth = spec.get("auth")
        return connect(spec["url"], tuple(auth) if auth else None)
    return Health(False, f"unknown health check kind {kind!r}")


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True
