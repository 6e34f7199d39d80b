"""The DAGs import cleanly in Airflow's own environment, do no I/O at import, and carry the contract of the
flow: schedules, retries, failure alerts, idempotent commands and the silver asset between them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from pororoca_core import manifest
from pororoca_core.paths import Paths

REPO = Path(__file__).resolve().parents[2]


def _parse(extra_env: dict[str, str]) -> dict:
    airflow = manifest.load()["airflow"]
    python = Paths.from_env().component_home(airflow.name, airflow.version) / "bin" / "python"
    assert python.exists(), f"{python}: run `make install`"
    env = os.environ | extra_env | {"PYTHONPATH": str(REPO / "dags"), "AIRFLOW_HOME": "/nonexistent-airflow-home",
                        "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__CORE__UNIT_TEST_MODE": "True"}  # fmt: skip
    r = subprocess.run(
        [str(python), str(Path(__file__).parent / "dag_check.py"), str(REPO / "dags")],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


DRIFT = "lakehouse://lakehouse/gold/fraud_model_drift"


@pytest.fixture(scope="module")
def dags() -> dict:
    return _parse({})


def test_every_dag_file_imports_without_errors_or_connections(dags):
    assert dags["errors"] == {}
    assert set(dags["dags"]) == {"pororoca_curate", "pororoca_curate_stream", "pororoca_kpis", "pororoca_maintenance",
                                 "pororoca_governance", "pororoca_fraud_train", "pororoca_fraud_monitor",
                                 "pororoca_feeds"}  # fmt: skip


def test_partner_files_start_ingestion_when_they_land_and_are_swept_every_five_minutes(dags):
    feeds = dags["dags"]["pororoca_feeds"]
    assert "*/5 * * * *" in feeds["schedule"] and feeds["max_active_runs"] == 1 and not feeds["catchup"]
    assert feeds["paused_upon_creation"] is False  # live without an operator
    # Either a drop is announced on the landing bucket's notification topic, or the sweep comes round.
    assert feeds["timetable"] == "AssetOrTimeSchedule" and feeds["assets"] == ["s3://landing/"]
    (watcher,) = feeds["watchers"]
    assert watcher["kwargs"]["topics"] == ["landing.events"]
    assert watcher["kwargs"]["apply_function"] == "pororoca_common.landing_drop"
    assert watcher["kwargs"]["kafka_config_id"] == "pororoca_landing_events"
    # A created object starts a run; another event or a record that is not MinIO's is skipped, never raised.
    created, removed, garbage, other = dags["landing_drops"]
    assert created == {"key": "landing/campaign_events/a.jsonl", "event": "s3:ObjectCreated:Put",
                       "at": "2026-12-04T01:00:00.000Z"}  # fmt: skip
    assert removed is None and garbage is None and other is None
    ingest, deadlines = feeds["tasks"]["ingest"], feeds["tasks"]["deadlines"]
    assert "feeds ingest" in ingest["command"] and "feeds deadlines" in deadlines["command"]
    assert all(t["retries"] >= 2 and t["on_failure"] and t["timeout"] for t in (ingest, deadlines))


def test_the_fraud_model_is_retrained_weekly_and_on_drift_through_the_promotion_gate(dags):
    retrain = dags["dags"]["pororoca_fraud_train"]
    assert "'0 4 * * 1'" in retrain["schedule"] and not retrain["catchup"] and retrain["max_active_runs"] == 1
    # Either the week comes round or the monitor announces drift.
    assert retrain["timetable"] == "AssetOrTimeSchedule" and retrain["assets"] == [DRIFT]
    (task,) = retrain["tasks"].values()
    # The gate decides: the DAG never forces a promotion.
    assert "fraud train" in task["command"] and "--no-register" not in task["command"]
    assert task["retries"] >= 2 and task["on_failure"] and task["timeout"]


def test_the_fraud_monitor_runs_daily_and_announces_drift_only_when_it_drifted(dags):
    monitor = dags["dags"]["pororoca_fraud_monitor"]
    assert "30 6 * * *" in monitor["schedule"] and monitor["max_active_runs"] == 1
    tasks = monitor["tasks"]
    assert "fraud monitor --date" in tasks["monitor"]["command"] and tasks["monitor"]["outlets"] == []
    gate = tasks["retrain_on_drift"]
    # `fraud drifted` exits 99 without drift: the task is skipped and a skipped task announces no asset.
    assert "fraud drifted --date" in gate["command"] and gate["outlets"] == [DRIFT] and 99 in gate["skip_on_exit_code"]
    assert gate["upstream"] == ["monitor"]


def test_curation_runs_every_15_minutes_and_announces_silver(dags):
    curate = dags["dags"]["pororoca_curate"]
    assert "*/15" in curate["schedule"] and curate["max_active_runs"] == 1 and not curate["catchup"]
    (task,) = curate["tasks"].values()
    assert task["outlets"] == ["lakehouse://lakehouse/silver"]
    assert "pororoca.cli curate --run-id" in task["command"]


def test_silver_streams_one_run_after_another_each_following_bronze_for_a_while(dags):
    stream = dags["dags"]["pororoca_curate_stream"]
    # A new run as soon as one ends, never two at once; off until the pipeline (or an operator) turns it on.
    assert stream["timetable"] == "ContinuousTimetable" and stream["max_active_runs"] == 1 and not stream["catchup"]
    assert stream["paused_upon_creation"] is True
    (task,) = stream["tasks"].values()
    # 15 minutes per run unless the operator's Airflow Variable says otherwise.
    minutes = "{{ var.value.get('pororoca_stream_minutes', 15) }}"
    assert f'pororoca.cli curate --follow "{minutes}" --run-id "{{{{ run_id }}}}"' in task["command"]
    assert task["timeout"] > 90 * 60 and task["outlets"] == []  # the 15-minute curation announces silver


def test_kpis_follow_silver_and_maintenance_runs_nightly(dags):
    assert dags["dags"]["pororoca_kpis"]["asset_triggered"]
    assert "3" in dags["dags"]["pororoca_maintenance"]["schedule"]
    assert set(dags["dags"]["pororoca_maintenance"]["tasks"]) == {
        "governance_sync", "maintain_bronze", "maintain_silver", "maintain_silver_pii", "maintain_gold"
    }  # fmt: skip


def test_personal_data_is_watched_nightly_after_the_classification_is_applied(dags):
    governance = dags["dags"]["pororoca_governance"]
    assert governance["schedule"] and not governance["catchup"]
    tasks = governance["tasks"]
    assert "governance sync" in tasks["governance_sync"]["command"]
    # Each exits 1 on a finding: the task fails and the failure alert carries it.
    assert "governance discover" in tasks["discover_personal_data"]["command"]
    assert "governance review" in tasks["columns_awaiting_review"]["command"]
    assert "--accept" not in tasks["columns_awaiting_review"]["command"]  # accepting is a steward's decision


def test_the_catalog_dag_exists_where_a_server_does_and_ends_applying_steward_tags():
    with_server = _parse({"POROROCA_OPENMETADATA_URL": "http://openmetadata.invalid:8585/api"})
    assert with_server["errors"] == {}
    tasks = with_server["dags"]["pororoca_metadata"]["tasks"]
    ingest = {f"ingest_{s}" for s in ("core", "acquiring", "trino", "kafka", "airflow", "superset")}
    assert set(tasks["push_classification_and_lineage"]["upstream"]) == ingest
    assert tasks["pull_steward_tags"]["upstream"] == ["push_classification_and_lineage"]
    assert tasks["governance_sync"]["upstream"] == ["pull_steward_tags"]
    assert all(t["retries"] >= 2 and t["on_failure"] and t["timeout"] for t in tasks.values())


def test_every_task_retries_alerts_on_failure_and_is_bounded_in_time(dags):
    for dag in dags["dags"].values():
        for task_id, t in dag["tasks"].items():
            assert t["retries"] >= 2 and t["on_failure"] and t["timeout"], task_id


def test_in_a_cluster_every_task_is_a_pod_of_the_project_image_with_the_same_command(dags, tmp_path):
    """The chart sets POROROCA_TASK_POD_TEMPLATE: each task becomes a KubernetesPodOperator running `pororoca`
    with exactly the arguments the local bash task passes, and resources by kind of work."""
    template = tmp_path / "pod.yaml"
    template.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: task}\nspec:\n  containers:\n  - name: base\n")
    cluster = _parse({"POROROCA_TASK_POD_TEMPLATE": str(template), "POROROCA_OPENMETADATA_URL": "http://om:8585/api",
                      "POROROCA_STREAM_LIVE": "true"})  # fmt: skip
    assert cluster["errors"] == {}
    assert cluster["dags"]["pororoca_curate_stream"]["paused_upon_creation"] is False  # the chart's default
    assert set(cluster["dags"]) == set(dags["dags"]) | {"pororoca_metadata"}
    for dag_id, dag in cluster["dags"].items():
        for task_id, t in dag["tasks"].items():
            assert t["operator"] == "KubernetesPodOperator", task_id
            assert t["pod"]["cmds"] == ["pororoca"] and t["pod"]["template"] == str(template), task_id
            assert t["pod"]["requests"]["cpu"] and t["pod"]["requests"]["memory"], task_id
            assert t["retries"] >= 2 and t["on_failure"] and t["timeout"], task_id
            local = dags["dags"].get(dag_id, {}).get("tasks", {}).get(task_id)
            if local:  # the same CLI call: `exec python -m pororoca.cli <arguments>` locally
                assert local["command"].endswith("pororoca.cli " + " ".join(
                    f'"{a}"' if "{{" in a else a for a in t["pod"]["arguments"]
                )), task_id  # fmt: skip
    assert cluster["dags"]["pororoca_curate"]["tasks"]["curate"]["pod"]["requests"]["cpu"] == "1"  # Spark
    # A pod that finds no drift is skipped too, so the retraining DAG is not started.
    assert cluster["dags"]["pororoca_fraud_monitor"]["tasks"]["retrain_on_drift"]["skip_on_exit_code"] == [99]
