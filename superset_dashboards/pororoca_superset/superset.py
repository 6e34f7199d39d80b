"""A small client of the stack's Superset REST API: sign in (JWT plus the CSRF token the write endpoints
want), import and export asset bundles, and read charts and their data."""

from __future__ import annotations

import builtins
import json
import time
from dataclasses import dataclass

import requests

from pororoca_core import credentials, services
from pororoca_core.errors import OperationFailed
from pororoca_core.paths import Paths
from pororoca_core.services import peer_host


class SupersetError(OperationFailed):
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

    def list(self, resource: str, **query: object) -> builtins.list[dict]:
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

    def import_assets(self, bundle: bytes, passwords: dict[str, str] | None = None) -> None:
        self.call(
            "POST", "/api/v1/assets/import/",
            files={"bundle": ("bundle.zip", bundle, "application/zip")},
            data={"passwords": json.dumps(passwords or {})},
        )  # fmt: skip

    def dashboard(self, slug: str) -> dict:
        return self.call("GET", f"/api/v1/dashboard/{slug}").json()["result"]

    def set_dashboard_metadata(self, dashboard_id: int, metadata: dict) -> None:
        self.call("PUT", f"/api/v1/dashboard/{dashboard_id}", json={"json_metadata": json.dumps(metadata)})

    def export_assets(self) -> bytes:
        return self.call("GET", "/api/v1/assets/export/").content

    def chart_data(self, chart_id: int) -> builtins.list[dict]:
        """The rows of a chart's saved query, computed by Superset (through Trino), fresh from the cache."""
        body = self.call("GET", f"/api/v1/chart/{chart_id}/data/", params={"format": "json", "type": "full"}).json()
        return [row for result in body["result"] for row in result["data"]]


ANALYST_ROLE = "Analyst"
ANALYST_USER = "analyst"


def sync_analyst_role(ss: Superset, password: str, slugs: list[str], schema: str = "gold") -> str:
    """The Analyst role: Gamma's read-and-explore permissions plus access to every dataset in `schema`, and
    nothing else; the dashboards named by `slugs` shown to it (dashboard RBAC); the `analyst` user in it.
    Through Superset's security API, so it works against any Superset (idempotent: the role's permission
    set is replaced, the user's password and roles re-set)."""
    role_id = (
        _role_id(ss, ANALYST_ROLE)
        or ss.call("POST", "/api/v1/security/roles/", json={"name": ANALYST_ROLE}).json()["id"]
    )
    gamma = _role_id(ss, "Gamma")
    wanted = {p["id"] for p in ss.call("GET", f"/api/v1/security/roles/{gamma}/permissions/").json()["result"]}
    datasets = [d for d in ss.list("dataset") if d["schema"] == schema]
    views = {f"[{d['database']['database_name']}].[{d['table_name']}](id:{d['id']})" for d in datasets}
    granted = [
        p["id"]
        for p in ss.list("security/permissions-resources")
        if p["permission"]["name"] == "datasource_access" and p["view_menu"]["name"] in views
    ]
    if len(granted) != len(views):
        raise SupersetError(f"found dataset permissions for {len(granted)} of {len(views)} {schema} datasets")
    wanted |= set(granted)
    ss.call("POST", f"/api/v1/security/roles/{role_id}/permissions", json={"permission_view_menu_ids": sorted(wanted)})

    user = {"first_name": "Analista", "last_name": "Pororoca", "email": "analyst@pororoca.invalid", "active": True,
            "roles": [role_id], "password": password}  # fmt: skip
    existing = [u for u in ss.list("security/users") if u["username"] == ANALYST_USER]
    if existing:
        ss.call("PUT", f"/api/v1/security/users/{existing[0]['id']}", json=user)
    else:
        ss.call("POST", "/api/v1/security/users/", json={**user, "username": ANALYST_USER})

    boards = [d for d in ss.list("dashboard") if d["slug"] in slugs]
    for d in boards:
        ss.call("PUT", f"/api/v1/dashboard/{d['id']}", json={"roles": [role_id], "published": True})
    return f"role {ANALYST_ROLE}: {len(wanted)} permissions ({len(granted)} datasets); {len(boards)} dashboards"


def _role_id(ss: Superset, name: str) -> int | None:
    return next((r["id"] for r in ss.list("security/roles") if r["name"] == name), None)
