"""Handlers of `pororoca fraud ...` (the project's environment): the training set is read from the lake here; the
model is fitted and registered in the fraud environment (scikit-learn, MLflow), which this runs as a child."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import subprocess
import time
from pathlib import Path

import requests

from pororoca_core import credentials, lakehouse, manifest, services
from pororoca_core.errors import OperationFailed, ServiceUnreachable, UsageError
from pororoca_core.paths import Paths
from pororoca_core.services import peer_host
from pororoca_fraud import dataset

FRAUD_DIR = Path(__file__).resolve().parents[1]
REPO = FRAUD_DIR.parent


def _code_version() -> str:
    try:
        out = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def fraud_env(paths: Paths, user: str = "admin") -> dict[str, str]:
    """The fraud environment's interpreter settings: our packages, the registry as `user`."""
    secrets = credentials.load(paths.credentials)
    ports = services.port_values(services.load())
    return {
        **os.environ,
        "PYTHONPATH": f"{FRAUD_DIR}:{REPO / 'stack'}",
        "MLFLOW_TRACKING_URI": f"http://{peer_host('mlflow')}:{ports['mlflow_port']}",
        "MLFLOW_TRACKING_USERNAME": user,
        "MLFLOW_TRACKING_PASSWORD": secrets[f"mlflow_{user}_password"],
        "MLFLOW_ENABLE_TELEMETRY": "false",
        "DO_NOT_TRACK": "true",
    }


def cmd_train(args: argparse.Namespace, paths: Paths) -> int:
    ep = lakehouse.Endpoints.of(paths)
    started = time.monotonic()
    with lakehouse.trino_connection(ep) as conn:
        cur = conn.cursor()

        def query(sql: str) -> list[tuple]:
            cur.execute(sql)
            return cur.fetchall()

        history = dataset.read_history(query, _snapshots(args.snapshots))
    rows = dataset.training_rows(history)
    frauds = sum(r["label"] for r in rows)
    took = time.monotonic() - started
    print(f"fraud train: {len(rows)} transfers, {frauds} labelled frauds, features in {took:.1f}s")
    out_dir = paths.state / "fraud"
    out_dir.mkdir(mode=0o700, exist_ok=True)
    path = out_dir / f"training-{time.strftime('%Y%m%dT%H%M%S')}.jsonl"
    meta = {
        "snapshots": dict(history.snapshots),
        "code_version": _code_version(),
        "labels_as_of_ms": history.labels_as_of_ms,
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps(meta) + "\n")
        for r in rows:
            f.write(json.dumps(r) + "\n")
    result_path = path.with_suffix(".result.json")
    cmd = [
        manifest.component_python(paths, "fraud"),
        "-m",
        "pororoca_fraud.train",
        str(path),
        "--min-frauds",
        str(args.min_frauds),
    ]
    cmd += ["--result", str(result_path)]
    for flag, value in (("--label-maturity-days", args.label_maturity_days), ("--holdout-share", args.holdout_share)):
        if value is not None:
            cmd += [flag, str(value)]
    if args.no_register:
        cmd += ["--no-register"]
    # Run beside the training set: MLflow looks for a project lock in its working directory.
    result = subprocess.run(cmd, capture_output=True, text=True, env=fraud_env(paths), timeout=1800, cwd=out_dir)
    if result.returncode != 0:
        raise OperationFailed(f"fraud train failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    summary = json.loads(result_path.read_text())
    m = summary["metrics"]
    print(f"holdout: {m['transfers']} transfers, {m['frauds']} frauds, PR-AUC {m['pr_auc']}")
    for key in ("at_0.5%", "at_1.0%"):
        at = m[key]
        print(f"  {key[3:]} alert rate: precision {at['precision']}, recall {at['recall']}")
        print(f"    recall by pattern {at['recall_by_pattern']}")
    print(f"training set sha256 {summary['training_set_sha256']} (snapshots: {json.dumps(summary['snapshots'])})")
    if "version" in summary:
        model, version, alias = summary["model"], summary["version"], summary["alias"]
        print(f"registered {model} version {version} as {alias} (run {summary['run_id']})")
        print(("gate: promoted" if summary["promoted"] else "gate: refused") + "; " + "; ".join(summary["gate"]))
    if args.json:
        print(json.dumps(summary))
    return 0


def _snapshots(given: str | None) -> dict[str, int | None] | None:
    """`--snapshots`: the JSON object a training run printed (table -> Iceberg snapshot id), or @file."""
    if given is None:
        return None
    text = Path(given[1:]).read_text() if given.startswith("@") else given
    try:
        snaps = json.loads(text)
    except json.JSONDecodeError as e:
        raise UsageError(f"--snapshots is not JSON ({e}): pass the object a training run printed") from None
    missing = set(dataset.TABLES.values()) - set(snaps)
    if not isinstance(snaps, dict) or missing:
        raise UsageError(f"--snapshots must name a snapshot id for every table; missing: {sorted(missing)}")
    return snaps


def _registry(paths: Paths, action: str, *extra: str) -> int:
    """Run a registry change in the fraud environment and record it (who, when, why) in the stack's logs."""
    actor = os.environ.get("POROROCA_ACTOR") or getpass.getuser()
    cmd = [manifest.component_python(paths, "fraud"), "-m", "pororoca_fraud.registry", action, "--actor", actor,
           *extra]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, env=fraud_env(paths), timeout=300)
    lines = result.stdout.strip().splitlines()
    if not lines:
        raise OperationFailed(f"fraud {action} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    out = json.loads(lines[-1])
    log_dir = paths.logs / "fraud"
    log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(log_dir / "registry.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as f:
        f.write(json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "action": action,
                            "actor": actor, **out}) + "\n")  # fmt: skip
    if "refused" in out:
        raise UsageError(f"fraud {action}: {out['refused']}")
    print(f"fraud {action}: champion is now version {out['champion']} (was {out['previous']}); recorded")
    return 0


def cmd_promote(args: argparse.Namespace, paths: Paths) -> int:
    return _registry(paths, "promote", "--version", str(args.version), "--reason", args.reason,
                     *(["--force"] if args.force else []))  # fmt: skip


def cmd_rollback(args: argparse.Namespace, paths: Paths) -> int:
    return _registry(paths, "rollback", "--reason", args.reason)


def processor_health(paths: Paths) -> dict:
    secrets = credentials.load(paths.credentials)
    port = services.port_values(services.load())["fraud_port"]
    url = f"http://{peer_host('fraud')}:{port}/health"
    try:
        r = requests.get(url, auth=("pororoca", secrets["fraud_health_password"]), timeout=5)
    except requests.ConnectionError as e:
        raise ServiceUnreachable("the fraud processor", url) from e
    r.raise_for_status()
    return r.json()


def cmd_status(args: argparse.Namespace, paths: Paths) -> int:
    doc = processor_health(paths)
    if args.json:
        print(json.dumps(doc))
    else:
        for k, v in doc.items():
            print(f"{k:<16} {v}")
    return 0
