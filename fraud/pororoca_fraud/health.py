"""The processor's health and counters over HTTP (loopback, HTTP Basic as `pororoca`): what `status` shows."""

from __future__ import annotations

import base64
import hmac
import json
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USER = "pororoca"


@dataclass
class Counters:
    started_at: float = field(default_factory=time.time)
    scored: int = 0
    alerts: int = 0
    dead_letters: int = 0
    last_latency_ms: int | None = None
    model_version: str | None = None
    status: str = "starting"
    commit_interval_s: float | None = None

    def alert(self) -> None:
        self.alerts += 1

    def document(self) -> dict:
        return {
            "status": self.status,
            "uptime_s": round(time.time() - self.started_at, 1),
            "scored": self.scored,
            "alerts": self.alerts,
            "dead_letters": self.dead_letters,
            "last_latency_ms": self.last_latency_ms,
            "model_version": self.model_version,
            "commit_interval_s": self.commit_interval_s,
        }


def authorised(header: str | None, password: str) -> bool:
    expected = "Basic " + base64.b64encode(f"{USER}:{password}".encode()).decode()
    return header is not None and hmac.compare_digest(header.encode(), expected.encode())


def serve_health(host: str, port: int, password: str, counters: Counters) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/live":  # for Kubernetes probes, which hold no password: says nothing but "up"
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if not authorised(self.headers.get("Authorization"), password):
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="pororoca-fraud"')
                self.end_headers()
                return
            if self.path != "/health":
                self.send_error(404)
                return
            body = json.dumps(counters.document()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # probes every few seconds: not worth a line
            pass

    ThreadingHTTPServer((host, port), Handler).serve_forever()
