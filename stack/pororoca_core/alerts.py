"""Raise an alert from a command (the DAGs' failure callback does the same from Airflow's side): a line in the
stack's alert file (mode 0600) and a POST to POROROCA_ALERT_WEBHOOK when one is configured (chat, pager)."""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pororoca_core.paths import Paths

log = logging.getLogger("pororoca.alerts")


def alerts_file(paths: Paths) -> Path:
    """Where the stack's alerts go: the Airflow services' POROROCA_ALERTS_FILE, the same file by default."""
    return Path(os.environ.get("POROROCA_ALERTS_FILE") or paths.logs / "alerts.jsonl")


def raise_alert(paths: Paths, kind: str, message: str, **details: Any) -> dict[str, Any]:
    event = {"at": datetime.now(UTC).isoformat(), "kind": kind, "message": message, **details}
    line = json.dumps(event, default=str)
    log.error("pororoca alert: %s", line)
    target = alerts_file(paths)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as f:
        f.write(line + "\n")
    hook = os.environ.get("POROROCA_ALERT_WEBHOOK")
    if hook:
        req = urllib.request.Request(hook, data=line.encode(), headers={"Content-Type": "application/json"},
                                     method="POST")  # fmt: skip
        try:
            urllib.request.urlopen(req, timeout=10).close()
        except OSError as e:  # an outage of the alert channel must not hide the alert from the file
            log.error("alert webhook failed: %s", e)
    return event
