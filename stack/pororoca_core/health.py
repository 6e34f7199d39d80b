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


def probe(spec: dict, host: str) -> Health:
    kind = spec["kind"]
    if kind == "tcp":
        return tcp(host, int(spec["port"]))
    if kind == "http":
        auth = spec.get("auth")  # [user, password]: a service that answers authenticated clients only
        return http(spec["url"], spec.get("json"), tuple(auth) if auth else None, spec.get("show"))
    if kind == "command":
        return command(spec["command"])
    return Health(False, f"unknown health check kind {kind!r}")


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True
