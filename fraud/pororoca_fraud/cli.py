"""Handlers of `pororoca fraud ...` (the project's environment): the training set is read from the lake here; the
model is fitted and registered in the fraud environment (scikit-learn, MLflow), which this runs as a child."""

from __future__ import annotations

import argparse
import getpass
import json
import math
import os
import re
import subprocess
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests

from pororoca_core import alerts, credentials, lakehouse, manifest, services
from pororoca_core.errors import OperationFailed, ServiceUnreachable, UsageError
from pororoca_core.paths import Paths
from pororoca_core.services import peer_host
from pororoca_fraud import dataset
from pororoca_fraud import directory as account_directory
from pororoca_fraud.scoring import load_config

FRAUD_DIR = Path(__file__).resolve().parents[1]
REPO = FRAUD_DIR.parent
SQL = Path(__file__).parent / "sql"
SP = ZoneInfo("America/Sao_Paulo")
NOT_DRIFTED = 99  # `fraud drifted`: Airflow skips a task that exits with it (no drift, no retraining)


def _query(conn: Any) -> dataset.Query:
    """SQL -> rows on one cursor of a Trino connection (what `dataset` reads the lake with)."""
    cur = conn.cursor()

    def query(sql: str) -> list[tuple]:
        cur.execute(sql)
        return cur.fetchall()

    return query


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
        history = dataset.read_history(_query(conn), _snapshots(args.snapshots))
    rows = dataset.training_rows(history)
    frauds = sum(r["label"] for r in rows)
    by_analysts = sum(1 for r in rows if r["pattern"] == dataset.ANALYST_PATTERN)
    took = time.monotonic() - started
    print(
        f"fraud train: {len(rows)} transfers, {frauds} labelled frauds ({by_analysts} confirmed only by analysts, "
        f"{len(history.dispositions)} dispositions read), features in {took:.1f}s"
    )
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
    if "reference" in summary:
        with lakehouse.trino_connection(ep) as conn:
            bins = _write_reference(conn.cursor(), summary["version"], summary.pop("reference"))
        print(f"drift reference of version {summary['version']}: {bins} bins in gold.fraud_model_reference")
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
    missing = set(dataset.TABLES.values()) - dataset.OPTIONAL - set(snaps)
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


def context_events(query: dataset.Query) -> list[tuple[bytes, dict[str, Any]]]:
    """The lake's devices and limit versions as the processor's context events, keyed for compaction."""
    out: list[tuple[bytes, dict[str, Any]]] = []
    devices = dataset.QUERIES["devices"].format(t=dataset.TABLES["devices"])
    for device_id, customer_id, registered, trusted in query(devices):
        out.append((json.dumps(f"device:{device_id}").encode(), {"kind": "device", "customer_id": int(customer_id),
                    "device_id": int(device_id), "registered_ms": dataset.millis(registered),
                    "trusted": bool(trusted)}))  # fmt: skip
    limits = dataset.QUERIES["limits"].format(t=dataset.TABLES["limits"])
    for customer_id, updated, per_tx, daily, nightly in query(limits):
        at = dataset.millis(updated)
        key = json.dumps(f"limits:{customer_id}:{at}").encode()
        out.append((key, {"kind": "limits", "customer_id": int(customer_id), "updated_ms": at,
                          "per_tx": float(per_tx), "daily": float(daily), "nightly": float(nightly)}))  # fmt: skip
    return out


def cmd_bootstrap(args: argparse.Namespace, paths: Paths) -> int:
    """What the processor knows of customers older than the change topics' retention, from the lake: every account
    into its account directory (`fraud.accounts`), every device and limit version into `fraud.context`. For a
    processor started on a lake older than three days. Idempotent (the same facts again change nothing)."""
    from confluent_kafka import Producer

    from pororoca_core import kafka_topics
    from pororoca_fraud.processor import CONTEXT

    ep = lakehouse.Endpoints.of(paths)
    topics = kafka_topics.admin(ep.kafka).list_topics(timeout=15).topics
    missing = [t for t in (account_directory.TOPIC, CONTEXT) if t not in topics]
    if missing:
        raise UsageError(f"{', '.join(missing)} do not exist yet: the fraud processor creates them when it starts "
                         "(`pororoca up`)")  # fmt: skip
    producer = Producer({**ep.kafka, "linger.ms": 50, "compression.type": "lz4", "log_level": 2})
    failed: list[str] = []

    def delivered(err: Any, _msg: Any) -> None:
        if err is not None:
            failed.append(str(err))

    def send(topic: str, key: bytes, value: bytes) -> None:
        producer.produce(topic, key=key, value=value, on_delivery=delivered)
        producer.poll(0)

    with lakehouse.trino_connection(ep) as conn:
        query = _query(conn)
        accounts = query(dataset.QUERIES["accounts"].format(t=dataset.TABLES["accounts"]))
        for account_id, customer_id, opened in accounts:
            entry = (int(customer_id), dataset.millis(opened))
            send(account_directory.TOPIC, json.dumps(int(account_id)).encode(), account_directory.encode(entry))
        print(f"fraud bootstrap: {len(accounts)} accounts -> {account_directory.TOPIC}", flush=True)
        context = context_events(query)
        for key, event in context:
            send(CONTEXT, key, json.dumps(event).encode())
        print(f"fraud bootstrap: {len(context)} devices and limit versions -> {CONTEXT}", flush=True)
    if producer.flush(60) or failed:
        raise OperationFailed(f"fraud bootstrap: {len(failed)} records not written ({failed[:1]})")
    print("fraud bootstrap: done; the running processor reads them as they arrive")
    return 0


def _write_reference(cur: Any, version: str, reference: dict[str, list[dict[str, Any]]]) -> int:
    """The population a version was trained on, as bins (replacing any earlier rows of that version)."""

    def num(v: float | None) -> str:
        return "NULL" if v is None else repr(float(v))

    _version_literal(version)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    values = [
        f"('{version}', '{feature}', {b['index']}, {num(b['lower'])}, {num(b['upper'])}, {num(b['share'])}, "
        f"TIMESTAMP '{now}')"
        for feature, bins in reference.items()
        for b in bins
        if re.fullmatch(r"[a-z0-9_]+", feature)
    ]
    cur.execute(f"DELETE FROM gold.fraud_model_reference WHERE model_version = '{version}'")
    cur.fetchall()
    cur.execute("INSERT INTO gold.fraud_model_reference VALUES " + ", ".join(values))
    cur.fetchall()
    return len(values)


def _version_literal(version: str) -> str:
    if not re.fullmatch(r"[0-9]+", version):
        raise OperationFailed(f"unexpected model version {version!r} (a registry version is a number)")
    return version


def _alias_version(paths: Paths, alias: str) -> str | None:
    """The registry version holding `alias`, read as the admin through MLflow's REST API (None: no such alias)."""
    env = fraud_env(paths)
    url = f"{env['MLFLOW_TRACKING_URI']}/api/2.0/mlflow/registered-models/alias"
    name = load_config().model_name
    try:
        r = requests.get(url, params={"name": name, "alias": alias}, timeout=10,
                         auth=(env["MLFLOW_TRACKING_USERNAME"], env["MLFLOW_TRACKING_PASSWORD"]))  # fmt: skip
    except requests.ConnectionError as e:
        raise ServiceUnreachable("MLflow", url) from e
    if r.status_code in (400, 404):  # no such model or alias yet
        return None
    r.raise_for_status()
    return str(r.json()["model_version"]["version"])


def _days(args: argparse.Namespace) -> tuple[date, date]:
    last = date.fromisoformat(args.date) if args.date else datetime.now(SP).date()
    if args.days < 1:
        raise UsageError("--days must be at least 1")
    return last - timedelta(days=args.days - 1), last


def _run(cur: Any, sql: str) -> list[tuple]:
    cur.execute(sql)
    return cur.fetchall()


def cmd_monitor(args: argparse.Namespace, paths: Paths) -> int:
    """Daily drift (against the champion's training population), live precision and the shadow comparison into
    gold, for the days asked; an alert for each day that drifted or whose matured precision fell below the floor."""
    config = load_config()
    policy = config.monitoring
    first, last = _days(args)
    champion = _alias_version(paths, config.model_alias)
    span = f"reference_date BETWEEN DATE '{first}' AND DATE '{last}'"
    fill = {"first": first.isoformat(), "last": last.isoformat(), "psi_alert": repr(policy.psi_alert),
            "min_transfers": str(policy.min_transfers), "maturity_days": str(math.ceil(config.label_maturity_days)),
            "version": _version_literal(champion) if champion else ""}  # fmt: skip

    fill["frauds"] = "\n".join(ln for ln in (SQL / "frauds.sql").read_text().splitlines() if not ln.startswith("--"))

    def sql(name: str) -> str:
        text = (SQL / f"{name}.sql").read_text()
        return re.sub(r"\{(\w+)\}", lambda m: fill[m.group(1)], text)

    with lakehouse.trino_connection(lakehouse.Endpoints.of(paths)) as conn:
        cur = conn.cursor()
        for table, name in (("fraud_model_quality", "monitor_quality"), ("fraud_shadow_daily", "monitor_shadow")):
            _run(cur, f"DELETE FROM gold.{table} WHERE {span}")
            _run(cur, sql(name))
        has_reference = (
            champion is not None
            and _run(cur, f"SELECT count(*) FROM gold.fraud_model_reference WHERE model_version = '{champion}'")[0][0]
        )
        _run(cur, f"DELETE FROM gold.fraud_model_drift WHERE {span}")
        if has_reference:
            _run(cur, sql("monitor_drift"))
        else:
            why = (
                "no champion yet"
                if champion is None
                else (f"champion version {champion} has no training population (trained before monitoring): retrain")
            )
            print(f"fraud monitor: drift not computed: {why}")
        drifted = _run(cur, f"SELECT reference_date, feature, psi FROM gold.fraud_model_drift WHERE {span} "
                            "AND drifted ORDER BY reference_date, psi DESC")  # fmt: skip
        imprecise = _run(cur, f"SELECT reference_date, model_version, live, precision, alerts FROM "
                              f"gold.fraud_model_quality WHERE {span} AND mature AND alerts >= {policy.min_alerts} "
                              f"AND precision < {policy.precision_floor} ORDER BY reference_date")  # fmt: skip
        counts = {t: _run(cur, f"SELECT count(*) FROM gold.{t} WHERE {span}")[0][0]
                  for t in ("fraud_model_drift", "fraud_model_quality", "fraud_shadow_daily")}  # fmt: skip
    written = ", ".join(f"{n} rows in gold.{t}" for t, n in counts.items())
    print(f"fraud monitor {first}..{last} (champion {champion}): {written}")
    by_day: dict[date, dict[str, float]] = {}
    for day, feature, psi in drifted:
        by_day.setdefault(day, {})[feature] = psi
    for day, features in by_day.items():
        print(f"  drift on {day}: " + ", ".join(f"{f} {psi:.2f}" for f, psi in list(features.items())[:5]))
    for day, version, live, precision, n in imprecise:
        print(f"  low precision on {day}: {precision:.1%} of {n} alerts (model {version}, live={live})")
    if not by_day and not imprecise:
        print("  no drift, no precision below the floor")
    recent = last - timedelta(days=policy.alert_days - 1)
    drift_days = {str(d): f for d, f in by_day.items() if d >= recent}
    if drift_days:
        alerts.raise_alert(paths, "fraud_model_drift", f"fraud model drift on {', '.join(drift_days)}: the scored "
                           f"population moved from champion {champion}'s (PSI >= {policy.psi_alert}); retraining "
                           "follows (pororoca_fraud_train)", champion=champion, days=drift_days)  # fmt: skip
    low = [{"day": str(d), "model_version": v, "live": live, "precision": p, "alerts": n}
           for d, v, live, p, n in imprecise if d >= recent]  # fmt: skip
    if low:
        alerts.raise_alert(paths, "fraud_live_precision", f"fraud alerts were less than {policy.precision_floor:.0%} "
                           f"precise on {', '.join(sorted({x['day'] for x in low}))}", days=low)  # fmt: skip
    return 0


def cmd_drifted(args: argparse.Namespace, paths: Paths) -> int:
    """Exit 0 when `fraud monitor` found drift on one of the days (the retraining DAG's trigger), 99 otherwise."""
    first, last = _days(args)
    with lakehouse.trino_connection(lakehouse.Endpoints.of(paths)) as conn:
        rows = _run(conn.cursor(), "SELECT count(DISTINCT reference_date) FROM gold.fraud_model_drift WHERE "
                                   f"reference_date BETWEEN DATE '{first}' AND DATE '{last}' AND drifted")  # fmt: skip
    if rows[0][0]:
        print(f"fraud drifted: {rows[0][0]} day(s) of {first}..{last} drifted: retrain")
        return 0
    print(f"fraud drifted: no drift on {first}..{last}")
    return NOT_DRIFTED
