"""`pororoca cdc apply` and `status`: declarative connectors over the Kafka Connect REST API."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from pororoca_core.errors import OperationFailed
from pororoca_core.render import render

DEFINITIONS = Path(__file__).resolve().parent.parent / "connectors"
TIMEOUT = 10
REBALANCE_WAIT = 60  # seconds a request is retried while Connect's workers rebalance


class ConnectError(OperationFailed):
    pass


@dataclass(frozen=True)
class Api:
    """Connect's REST API, as its one user (HTTP Basic: stack/conf/connect/rest-users.properties)."""

    url: str
    auth: tuple[str, str]

    def call(self, method: str, path: str, timeout: float = TIMEOUT, **kwargs) -> requests.Response:
        # While the workers rebalance (a connector was just created, stopped or deleted) Connect answers 409 or
        # 500 "rebalance"; that passes within seconds.
        deadline = time.monotonic() + REBALANCE_WAIT
        while True:
            r = requests.request(method, f"{self.url}{path}", auth=self.auth, timeout=timeout, **kwargs)
            if r.status_code not in (409, 500) or "rebalanc" not in r.text or time.monotonic() > deadline:
                break
            time.sleep(1)
        if r.status_code == 401:
            raise ConnectError(f"Kafka Connect refused the credentials of user {self.auth[0]} "
                               "(connect_rest_password in the credentials file)")  # fmt: skip
        return r


@dataclass(frozen=True)
class Connector:
    name: str
    config: dict[str, str]

    @property
    def topics_pattern(self) -> str:
        """The topics a sink reads, as one regex, whether it names them (`topics`) or matches them (`topics.regex`)."""
        if "topics.regex" in self.config:
            return self.config["topics.regex"]
        return "|".join(re.escape(t.strip()) for t in self.config["topics"].split(",") if t.strip())


def definitions(context: dict[str, str], root: Path = DEFINITIONS) -> list[Connector]:
    found = []
    for f in sorted(root.glob("*.json")):
        spec = json.loads(render(f.read_text(), context, str(f)))
        if f.stem != spec["name"]:
            raise ConnectError(f"{f}: the file name must be the connector name ({spec['name']}.json)")
        found.append(Connector(spec["name"], {k: str(v) for k, v in spec["config"].items()}))
    return found


def _plan(current: dict[str, str] | None, wanted: dict[str, str]) -> str:
    if current is None:
        return "created"
    current = {k: v for k, v in current.items() if k != "name"}
    return "unchanged" if current == wanted else "updated"


def apply_one(api: Api, connector: Connector) -> str:
    r = api.call("GET", f"/connectors/{connector.name}/config", timeout=TIMEOUT)
    if r.status_code not in (200, 404):
        raise ConnectError(f"GET {connector.name} config: HTTP {r.status_code} {r.text[:300]}")
    action = _plan(r.json() if r.status_code == 200 else None, connector.config)
    if action != "unchanged":
        r = api.call("PUT", f"/connectors/{connector.name}/config", json=connector.config, timeout=60)
        if r.status_code not in (200, 201):
            raise ConnectError(f"PUT {connector.name}: HTTP {r.status_code} {r.text[:500]}")
    return action


def connector_status(api: Api, name: str) -> dict:
    r = api.call("GET", f"/connectors/{name}/status", timeout=TIMEOUT)
    r.raise_for_status()
    return r.json()


def wait_running(api: Api, name: str, timeout: float = 120) -> None:
    """Until the connector and all its tasks run; failed tasks are restarted once."""
    deadline = time.monotonic() + timeout
    restarted = False
    last: dict = {}
    while time.monotonic() < deadline:
        r = api.call("GET", f"/connectors/{name}/status", timeout=TIMEOUT)
        if r.status_code == 200:
            last = r.json()
            states = [last["connector"]["state"], *(t["state"] for t in last["tasks"])]
            if last["tasks"] and all(s == "RUNNING" for s in states):
                return
            if "FAILED" in states and not restarted:
                api.call("POST", f"/connectors/{name}/restart?includeTasks=true&onlyFailed=true", timeout=TIMEOUT)
                restarted = True
            elif "FAILED" in states:
                break
        time.sleep(1)
    traces = [t.get("trace", "") for t in last.get("tasks", []) if t.get("state") == "FAILED"]
    trace = (traces or [last.get("connector", {}).get("trace", "")])[0] or ""
    raise ConnectError(f"connector {name} is not RUNNING: {json.dumps(last)[:400]}\n{trace[:1500]}")


@dataclass(frozen=True)
class ConnectorState:
    name: str
    type: str
    state: str
    tasks: list[tuple[int, str, str]]  # id, state, first line of the error
    topics: list[str]


def snapshotting(api: Api, name: str) -> bool:
    """A Debezium source whose stored offset is missing or still flagged `snapshot` has not finished its
    initial snapshot."""
    r = api.call("GET", f"/connectors/{name}/offsets", timeout=TIMEOUT)
    r.raise_for_status()
    offsets = r.json().get("offsets") or []
    return not offsets or any(o["offset"].get("snapshot") not in (None, False, "false") for o in offsets)


def status(api: Api) -> list[ConnectorState]:
    names = api.call("GET", "/connectors", timeout=TIMEOUT).json()
    out = []
    for name in sorted(names):
        st = connector_status(api, name)
        topics = api.call("GET", f"/connectors/{name}/topics", timeout=TIMEOUT).json().get(name, {}).get("topics", [])
        tasks = [(t["id"], t["state"], (t.get("trace") or "").split("\n")[0]) for t in st["tasks"]]
        out.append(ConnectorState(name, st.get("type", "?"), st["connector"]["state"], tasks, sorted(topics)))
    return out


def create_stopped(api: Api, connector: Connector) -> None:
    """Create a connector that does not start yet: its stored offsets can be read, and set, first."""
    body = {"name": connector.name, "config": connector.config, "initial_state": "STOPPED"}
    r = api.call("POST", "/connectors", json=body, timeout=60)
    if r.status_code not in (200, 201):
        raise ConnectError(f"POST {connector.name}: HTTP {r.status_code} {r.text[:500]}")


def stored_offsets(api: Api, name: str) -> list[dict]:
    r = api.call("GET", f"/connectors/{name}/offsets", timeout=TIMEOUT)
    r.raise_for_status()
    return r.json().get("offsets") or []


def set_offset(api: Api, name: str, partition: dict, offset: dict) -> None:
    """Only while the connector is STOPPED (Connect refuses otherwise)."""
    body = {"offsets": [{"partition": partition, "offset": offset}]}
    r = api.call("PATCH", f"/connectors/{name}/offsets", json=body, timeout=60)
    if r.status_code != 200:
        raise ConnectError(f"PATCH {name} offsets: HTTP {r.status_code} {r.text[:500]}")


def reconfigure(api: Api, name: str, config: dict[str, str]) -> None:
    r = api.call("PUT", f"/connectors/{name}/config", json=config, timeout=60)
    if r.status_code not in (200, 201):
        raise ConnectError(f"PUT {name}: HTTP {r.status_code} {r.text[:500]}")


def resume(api: Api, name: str) -> None:
    r = api.call("PUT", f"/connectors/{name}/resume", timeout=TIMEOUT)
    if r.status_code not in (200, 202, 204):
        raise ConnectError(f"resume {name}: HTTP {r.status_code} {r.text[:300]}")


def config(api: Api, name: str) -> dict[str, str] | None:
    r = api.call("GET", f"/connectors/{name}/config", timeout=TIMEOUT)
    if r.status_code == 404:
        return None
    if r.status_code != 200:
        raise ConnectError(f"GET {name} config: HTTP {r.status_code} {r.text[:300]}")
    return {k: v for k, v in r.json().items() if k != "name"}


def state(api: Api, name: str) -> str:
    return str(connector_status(api, name)["connector"]["state"])


def stop(api: Api, name: str) -> None:
    r = api.call("PUT", f"/connectors/{name}/stop", timeout=60)
    if r.status_code not in (200, 202, 204):
        raise ConnectError(f"stop {name}: HTTP {r.status_code} {r.text[:300]}")


def forget_offsets(api: Api, name: str, timeout: float = 60) -> None:
    """Delete a stopped connector's stored offsets (Connect refuses until its tasks are gone: retried)."""
    deadline = time.monotonic() + timeout
    while True:
        r = api.call("DELETE", f"/connectors/{name}/offsets", timeout=60)
        if r.status_code == 200:
            return
        if time.monotonic() > deadline:
            raise ConnectError(f"DELETE {name} offsets: HTTP {r.status_code} {r.text[:300]}")
        time.sleep(1)
