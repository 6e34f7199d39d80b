"""Airflow DAG. Daily monitoring of the Pix fraud model, for yesterday and today (America/Sao_Paulo): drift of every
feature and of the score from the champion's training population (PSI), live precision and recall once labels
matured, the champion/challenger shadow comparison, into gold (the "Modelo de Fraude" dashboard). Drift or
precision past fraud/scoring.toml [monitoring] raises an alert; drift also announces the FRAUD_DRIFT asset, which
starts the retraining DAG (otherwise weekly)."""

from datetime import timedelta

from pororoca_common import FRAUD_DRIFT, cli_task, local_date, pororoca_dag

DAYS = '--date "{{ local_date(dag_run.run_after) }}" --days 2'  # yesterday's late transfers and today so far

with pororoca_dag(
    "pororoca_fraud_monitor",
    "Fraud model drift, live precision and shadow comparison into gold; retrain on drift",
    "30 6 * * *",
    tags=["fraud", "mlops"],
    doc_md=__doc__,
    user_defined_macros={"local_date": local_date},
):
    monitor = cli_task("monitor", f"fraud monitor {DAYS}", execution_timeout=timedelta(minutes=30))
    # Skipped (exit 99) when nothing drifted: a skipped task announces no asset, so no retraining.
    drifted = cli_task("retrain_on_drift", f"fraud drifted {DAYS}", outlets=[FRAUD_DRIFT], skip_on_exit_code=99,
                       execution_timeout=timedelta(minutes=10))  # fmt: skip
    monitor >> drifted
