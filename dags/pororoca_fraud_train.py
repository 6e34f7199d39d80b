"""Airflow DAG. Weekly retraining of the Pix fraud model: read the lake at its current snapshots (recorded in the
MLflow run), train a challenger on the transfers whose labels have matured, evaluate it beside the champion on
the same recent holdout, and let the promotion gate (fraud/scoring.toml [promotion]) decide. A refused
challenger stays registered as `challenger` with the gate's reasons; the processor follows a promoted champion
within a minute, without a restart."""

from datetime import timedelta

from pororoca_common import cli_task, pororoca_dag

with pororoca_dag(
    "pororoca_fraud_train",
    "Retrain the fraud model; promote the challenger only if it passes the gate",
    "0 4 * * 1",
    tags=["fraud", "mlops"],
    doc_md=__doc__,
):
    cli_task("train_challenger", "fraud train", size="spark", execution_timeout=timedelta(hours=2))
