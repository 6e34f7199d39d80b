"""A small client of the stack's Superset REST API: sign in (JWT plus the CSRF token the write endpoints
want), import and export asset bundles, and read charts and their data."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from . import credentials, services
from .manifest import Manifest
from .paths import Paths
from .services import peer_host


class SupersetError(RuntimeError):
    pass


def superset_url() -> str:
    ports = services.port_values(services.load())
    return f"http://{peer_host('superset')}:{ports['superset_port']}"


@dataclass
class Superset:
    url: str
    session: requests.Session

    @classmethod
    def connect(
        cls, paths: Paths, username: str = "admin", password: str | None = None, timeout: float = 120.0
    ) -> Superset:
        url = superset_url()
        if password is None:
            password = credentials.load(paths.credentials).get(f"superset_{username}_password")
            if not password:
                raise SupersetError(f"no superset_{username}_password in {paths.credentials}: run `pororoca up`")
        session = requests.Session()
        body = {"username": username, "password": password, "provider": "db", "refresh": False}
        deadline = time.monotonic() + timeout
        while True:
            try:
                r = session.post(f"{url}/api/v1/security/login", json=body, timeout=30)
                if r.status_code == 200:
                    break
                detail = f"HTTP {r.status_code}: {r.text[:200]}"
                if r.status_code == 401:
                    raise SupersetError(f"Superset refused {username!r} at {url}: {detail}")
            except requests.RequestException as e:
                detail = type(e).__name__
            if time.monotonic() > deadline:
                raise SupersetError(f"cannot sign in to Superset at {url} ({detail}); is the stack up (`pororoca up`)?")
            time.sleep(2)
        session.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        csrf = session.get(f"{url}/api/v1/security/csrf_token/", timeout=30)
        csrf.raise_for_status()
        session.headers.update({"X-CSRFToken": csrf.json()["result"], "Referer": url})
        return cls(url, session)

    def call(self, method: str, path: str, **kw) -> requests.Response:
        r = self.session.request(method, f"{self.url}{path}", timeout=kw.pop("timeout", 120), **kw)
        if r.status_code >= 400:
            raise SupersetError(f"{method} {path}: HTTP {r.status_code}: {r.text[:500]}")
        return r

    def list(self, resource: str, **query: object) -> list[dict]:
        """Every row of `/api/v1/<resource>/` (paged)."""
        rows: list[dict] = []
        page = 0
        while True:
            q = {"page": page, "page_size": 100, **query}
            rison = "(" + ",".join(f"{k}:{v}" for k, v in q.items()) + ")"
            body = self.call("GET", f"/api/v1/{resource}/", params={"q": rison}).json()
            rows += body["result"]
            if len(rows) >= body["count"] or not body["result"]:
                return rows
            page += 1

    def import_assets(self, bundle: bytes) -> None:
        self.call("POST", "/api/v1/assets/import/", files={"bundle": ("bundle.zip", bundle, "application/zip")})

    def export_assets(self) -> bytes:
        return self.call("GET", "/api/v1/assets/export/").content

    def chart_data(self, chart_id: int) -> list[dict]:
        """The rows of a chart's saved query, computed by Superset (through Trino), fresh from the cache."""
        body = self.call("GET", f"/api/v1/chart/{chart_id}/data/", params={"format": "json", "type": "full"}).json()
        return [row for result in body["result"] for row in result["data"]]


ROLE_SCRIPT = Path(__file__).resolve().parents[1] / "superset" / "analyst_role.py"


def sync_analyst_role(paths: Paths, man: Manifest, slugs: list[str]) -> str:
    """The Analyst role, user and dashboard roles, set through Superset's own security manager (its REST API
    cannot grant dataset access): runs in Superset's virtual environment with the stack's configuration."""
    home = paths.component_home("superset", man["superset"].version)
    env = os.environ | {
        "SUPERSET_CONFIG_PATH": str(paths.conf / "superset" / "superset_config.py"),
        "SUPERSET_HOME": str(paths.data / "superset"),
        "PATH": f"{home}/bin:/usr/bin:/bin",
    }
    password = credentials.load(paths.credentials)["superset_analyst_password"]
    cmd = [str(home / "bin" / "python"), str(ROLE_SCRIPT), *slugs]
    r = subprocess.run(cmd, env=env, input=password, capture_output=True, text=True)
    if r.returncode != 0:
        raise SupersetError(f"the Analyst role sync failed:\n{r.stdout[-1500:]}{r.stderr[-3000:]}")
    return r.stdout.strip().splitlines()[-1]
