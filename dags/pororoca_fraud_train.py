"""Airflow DAG. Retraining of the Pix fraud model, weekly and whenever the fraud monitor finds drift: read the lake at
its current snapshots (recorded in the MLflow run), train a challenger on the transfers whose labels have matured,
evaluate it beside the champion on the same recent holdout, and let the promotion gate (fraud/scoring.toml
[promotion]) decide. A refused challenger stays registered as `challenger` with the gate's reasons; the processor
follows a promoted champion within a minute, without a restart."""

from datetime import timedelta

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable
from pororoca_common import FRAUD_DRIFT, TZ, cli_task, pororoca_dag

with pororoca_dag(
    "pororoca_fraud_train",
    "Retrain the fraud model (weekly, and on drift); promote the challenger only if it passes the gate",
    AssetOrTimeSchedule(timetable=CronTriggerTimetable("0 4 * * 1", timezone=TZ), assets=[FRAUD_DRIFT]),
    tags=["fraud", "mlops"],
    doc_md=__doc__,
):
    cli_task("train_challenger", "fraud train", size="spark", execution_timeout=timedelta(hours=2))
