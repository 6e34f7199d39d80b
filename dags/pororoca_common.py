"""What every Pororoca DAG shares: how a task runs the project's CLI, retries, and failure alerts.
Nothing here touches a database or the lake at import time (the DAG processor parses these files often)."""

from __future__ import annotations

import json
import logging
import os
import shlex
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pendulum
from airflow.sdk import DAG, Asset

SILVER = Asset("lakehouse://lakehouse/silver", extra={"layer": "silver"})
GOLD = Asset("lakehouse://lakehouse/gold", extra={"layer": "gold"})
# Announced by the fraud monitor when the scored population drifted from the champion's: the retraining DAG runs.
FRAUD_DRIFT = Asset("lakehouse://lakehouse/gold/fraud_model_drift", extra={"layer": "gold", "event": "drift"})
TZ = "America/Sao_Paulo"
log = logging.getLogger("pororoca.alerts")


# Set by the chart: every task runs as a pod of the project image, from this pod template (its image, the
# stack's addresses, credentials and Trino's CA); unset (the local stack): a bash task with the stack's interpreter.
POD_TEMPLATE = os.environ.get("POROROCA_TASK_POD_TEMPLATE")
# A task pod's CPU and memory requests and memory limit; Spark jobs run their driver (and, by default, the whole
# job in local mode) inside the pod.
SIZES = {"small": ("250m", "512Mi", "1Gi"), "spark": ("1", "3Gi", "4Gi")}


def pororoca(args: str) -> str:
    """A bash command running the project's CLI with the stack's own interpreter (set by the stack)."""
    return f'exec "${{POROROCA_PYTHON:-python3}}" -m pororoca.cli {args}'


def cli_task(task_id: str, args: str, size: str = "small", **kwargs):
    """A task running `pororoca <args>` (Jinja allowed): locally in bash, in a cluster as a pod of the project
    image with the resources of `size`. Retries, alerts and timeouts are the same either way."""
    if not POD_TEMPLATE:
        from airflow.providers.standard.operators.bash import BashOperator

        return BashOperator(task_id=task_id, bash_command=pororoca(args), **kwargs)
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
    from kubernetes.client import models as k8s

    cpu, memory, limit = SIZES[size]
    return KubernetesPodOperator(
        task_id=task_id,
        name=f"pororoca-{task_id.replace('_', '-')}",
        namespace=os.environ.get("POROROCA_TASK_NAMESPACE"),
        pod_template_file=POD_TEMPLATE,
        cmds=["pororoca"],
        arguments=shlex.split(args),
        container_resources=k8s.V1ResourceRequirements(
            requests={"cpu": cpu, "memory": memory}, limits={"memory": limit}
        ),
        in_cluster=True,
        get_logs=True,
        on_finish_action="delete_succeeded_pod",  # a failed task's pod stays for its logs and events
        **kwargs,
    )


def landing_drop(message) -> dict | None:
    """The asset watcher's filter on `landing.events` (MinIO's notifications of the landing bucket): a created
    object is a partner's drop and starts ingestion; anything else (another event, a record that is not MinIO's
    JSON) is skipped with a warning, never raised: a raising trigger would stop watching."""
    try:
        event = json.loads(message.value())
        name, key = event["EventName"], event["Key"]
    except (TypeError, ValueError, KeyError) as e:
        log.warning("landing.events offset %s: not a bucket notification (%s); skipped", message.offset(), e)
        return None
    if not str(name).startswith("s3:ObjectCreated:"):
        return None
    return {"key": key, "event": name, "at": event.get("Records", [{}])[0].get("eventTime")}


def local_date(moment: datetime) -> str:
    """A run's reference date: its date in America/Sao_Paulo."""
    return moment.astimezone(ZoneInfo(TZ)).date().isoformat()


def alert(context: dict) -> None:
    """Make a failure visible: an ERROR in the task log, a line in the stack's alert file, and a POST to
    POROROCA_ALERT_WEBHOOK when one is configured (chat, pager)."""
    ti = context.get("task_instance") or context.get("ti")
    event = {
        "at": datetime.now(UTC).isoformat(),
        "dag_id": getattr(ti, "dag_id", None),
        "task_id": getattr(ti, "task_id", None),
        "run_id": getattr(ti, "run_id", None),
        "try_number": getattr(ti, "try_number", None),
        "error": str(context.get("exception") or "")[:2000],
    }
    log.error("pororoca task failed: %s", json.dumps(event))
    alerts = os.environ.get("POROROCA_ALERTS_FILE")
    if alerts:
        Path(alerts).parent.mkdir(parents=True, exist_ok=True)
        with open(alerts, "a") as f:
            f.write(json.dumps(event) + "\n")
    hook = os.environ.get("POROROCA_ALERT_WEBHOOK")
    if hook:
        req = urllib.request.Request(
            hook, data=json.dumps(event).encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            urllib.request.urlopen(req, timeout=10).close()
        except OSError as e:  # an alerting outage must not hide the original failure
            log.error("alert webhook failed: %s", e)


DEFAULT_ARGS = {
    "owner": "pororoca",
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "on_failure_callback": alert,
}


def pororoca_dag(dag_id: str, description: str, schedule, tags: list[str], doc_md: str | None, **kwargs) -> DAG:
    """A Pororoca DAG: from 2026-01-01 in America/Sao_Paulo, no catch-up, one run at a time, the shared retries
    and failure alert."""
    return DAG(
        dag_id=dag_id,
        description=description,
        schedule=schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz=TZ),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["pororoca", *tags],
        doc_md=doc_md,
        **kwargs,
    )
