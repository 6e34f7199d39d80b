"""A small client of the stack's Airflow REST API (v2): sign in with the generated admin password, unpause
and trigger DAGs, and follow their runs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import requests

from pororoca_core import credentials, services
from pororoca_core.errors import OperationFailed
from pororoca_core.paths import Paths
from pororoca_core.services import peer_host


class AirflowError(OperationFailed):
    pass


@dataclass
class Airflow:
    url: str
    token: str

    @classmethod
    def connect(cls, paths: Paths, timeout: float = 120.0) -> Airflow:
        ports = services.port_values(services.load())
        url = f"http://{peer_host('airflow')}:{ports['airflow_port']}"
        password = credentials.load(paths.credentials).get("airflow_admin_password")
        if not password:
            raise AirflowError(f"no airflow_admin_password in {paths.credentials}: run `pororoca up`")
        deadline = time.monotonic() + timeout
        while True:
            try:
                r = requests.post(f"{url}/auth/token", json={"username": "admin", "password": password}, timeout=10)
                if r.status_code in (200, 201):
                    return cls(url, r.json()["access_token"])
                detail = f"HTTP {r.status_code}: {r.text[:200]}"
            except requests.RequestException as e:
                detail = f"{type(e).__name__}"
            if time.monotonic() > deadline:
                raise AirflowError(f"cannot sign in to Airflow at {url} ({detail}); is the stack up (`pororoca up`)?")
            time.sleep(2)

    def _call(self, method: str, path: str, **kw) -> dict:
        r = requests.request(
            method, f"{self.url}/api/v2{path}", headers={"Authorization": f"Bearer {self.token}"}, timeout=30, **kw
        )
        if r.status_code >= 400:
            raise AirflowError(f"{method} {path}: HTTP {r.status_code}: {r.text[:300]}")
        return r.json() if r.content else {}

    def wait_for_dag(self, dag_id: str, timeout: float = 180.0) -> None:
        """The DAG processor parses `dags/` shortly after start: wait until it has this DAG."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.dag(dag_id)
                return
            except AirflowError as e:
                if time.monotonic() > deadline:
                    errors = self._call("GET", "/importErrors").get("import_errors", [])
                    raise AirflowError(
                        f"Airflow has no DAG {dag_id} after {timeout:.0f}s; import errors: {errors}"
                    ) from e
                time.sleep(2)

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self._call("PATCH", f"/dags/{dag_id}", json={"is_paused": paused})

    def set_variable(self, key: str, value: str) -> None:
        try:
            self._call("PATCH", f"/variables/{key}", json={"key": key, "value": value})
        except AirflowError:  # not there yet
            self._call("POST", "/variables", json={"key": key, "value": value})

    def delete_variable(self, key: str) -> None:
        self._call("DELETE", f"/variables/{key}")

    def dag_ids(self) -> list[str]:
        return [d["dag_id"] for d in self._call("GET", "/dags", params={"limit": 100})["dags"]]

    def dag(self, dag_id: str) -> dict:
        return self._call("GET", f"/dags/{dag_id}")

    def due(self, dag_id: str) -> bool:
        """Whether the scheduler creates a run as soon as the DAG is unpaused: without catch-up, Airflow runs the
        most recent scheduled time once if no scheduled run covered it."""
        after = self.dag(dag_id).get("next_dagrun_run_after")
        return after is not None and datetime.fromisoformat(after) <= datetime.now(UTC)

    def delete_run(self, dag_id: str, run_id: str) -> None:
        self._call("DELETE", f"/dags/{dag_id}/dagRuns/{run_id}")

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        run = self._call("POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}})
        return run["dag_run_id"]

    def runs(self, dag_id: str, limit: int = 20) -> list[dict]:
        return self._call("GET", f"/dags/{dag_id}/dagRuns", params={"order_by": "-run_after", "limit": limit})[
            "dag_runs"
        ]

    def triggering_events(self, dag_id: str, run_id: str) -> list[dict]:
        """The asset events that started an asset-triggered run (a watcher's carry its trigger's payload)."""
        return self._call("GET", f"/dags/{dag_id}/dagRuns/{run_id}/upstreamAssetEvents")["asset_events"]

    def run(self, dag_id: str, run_id: str) -> dict:
        return self._call("GET", f"/dags/{dag_id}/dagRuns/{run_id}")

    def wait(self, dag_id: str, run_id: str, timeout: float, log=print) -> dict:
        deadline, last = time.monotonic() + timeout, None
        while True:
            run = self.run(dag_id, run_id)
            if run["state"] != last:
                log(f"  {dag_id} {run_id}: {run['state']}")
                last = run["state"]
            if run["state"] in ("success", "failed"):
                return run
            if time.monotonic() > deadline:
                raise AirflowError(f"{dag_id} run {run_id} still {run['state']} after {timeout:.0f}s")
            time.sleep(3)

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
        body = self._call("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}")
        content = body.get("content") or []
        return "\n".join(e.get("event", "") if isinstance(e, dict) else str(e) for e in content)
