"""The fraud API's logic without its web framework: configuration, the SQL it runs, the access records it audits."""

from __future__ import annotations

import base64
import binascii
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG = Path(__file__).resolve().parent.parent / "api.toml"
SQL = Path(__file__).resolve().parent / "sql"
DISPOSITIONS, AUDIT = "fraud.dispositions", "fraud.api.audit"
DECISIONS = ("alert", "hold", "block")


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int
    window_seconds: float
    lockout_seconds: float


@dataclass(frozen=True)
class ApiConfig:
    dispose_groups: tuple[str, ...]
    max_alerts: int
    labels: tuple[str, ...]
    login: LoginPolicy


def load_config(path: Path = CONFIG) -> ApiConfig:
    raw = tomllib.loads(path.read_text())
    login = raw["login"]
    policy = LoginPolicy(int(login["max_failures"]), float(login["window_seconds"]), float(login["lockout_seconds"]))
    return ApiConfig(tuple(raw["dispose_groups"]), int(raw["max_alerts"]), tuple(raw["labels"]), policy)


class LoginThrottle:
    """Failed sign-ins per (user, client address), and per client address across users (password spraying, 4x
    the allowance); a key with too many in the window is locked out for a while. Keying by user alone would let
    anyone lock a colleague out. Memory stays bounded: at most `max_keys` keys are tracked (oldest forgotten)."""

    SPRAY_FACTOR = 4

    def __init__(self, policy: LoginPolicy, max_keys: int = 10_000) -> None:
        self.policy = policy
        self.max_keys = max_keys
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}

    def retry_after(self, user: str, client: str, now: float) -> float | None:
        """Seconds until this user may try again from this client; None when it may now."""
        wait = max((self._locked_until.get(k, 0.0) - now for k, _ in self._limits(user, client)), default=0.0)
        return wait if wait > 0 else None

    def failed(self, user: str, client: str, now: float) -> None:
        for key, limit in self._limits(user, client):
            recent = [t for t in self._failures.pop(key, []) if t > now - self.policy.window_seconds] + [now]
            self._failures[key] = recent  # re-inserted: dict order is recency, for the bound below
            if len(recent) >= limit:
                self._locked_until[key] = now + self.policy.lockout_seconds
                self._failures[key] = []
        while len(self._failures) > self.max_keys:
            self._failures.pop(next(iter(self._failures)))
        for key in [k for k, until in self._locked_until.items() if until <= now]:
            del self._locked_until[key]

    def succeeded(self, user: str, client: str) -> None:
        self._failures.pop(f"pair:{user}@{client}", None)

    def _limits(self, user: str, client: str) -> list[tuple[str, int]]:
        n = self.policy.max_failures
        return [(f"pair:{user}@{client}", n), (f"client:{client}", n * self.SPRAY_FACTOR)]


def sql(name: str, **values: int | str) -> str:
    return (SQL / f"{name}.sql").read_text().format(**values)


def access_record(
    user: str, method: str, route: str, transfer_id: int | None, status: int, disclosed: int, client: str
) -> dict[str, Any]:
    return {
        "at_ms": int(time.time() * 1000),
        "user": user,
        "method": method,
        "route": route,
        "transfer_id": transfer_id,
        "status": status,
        "disclosed_rows": disclosed,
        "client": client,
    }


def claimed_user(authorization: str | None) -> str:
    """The user an HTTP Basic header names, whether or not its password is right ("" when there is none)."""
    if not authorization or not authorization.lower().startswith("basic "):
        return ""
    try:
        return base64.b64decode(authorization[6:], validate=True).decode().split(":", 1)[0][:200]
    except (binascii.Error, UnicodeDecodeError):
        return ""
