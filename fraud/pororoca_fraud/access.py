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
class ApiConfig:
    dispose_groups: tuple[str, ...]
    max_alerts: int
    labels: tuple[str, ...]


def load_config(path: Path = CONFIG) -> ApiConfig:
    raw = tomllib.loads(path.read_text())
    return ApiConfig(tuple(raw["dispose_groups"]), int(raw["max_alerts"]), tuple(raw["labels"]))


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
