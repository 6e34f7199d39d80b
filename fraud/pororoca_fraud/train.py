"""Train, evaluate and register the fraud model (run in the fraud environment by `pororoca fraud train`).

Input: a training set written by the CLI (`dataset.training_rows`, JSON lines with the snapshot ids it was read
at). The holdout is the latest part in time, never shuffled in: the model is judged on transfers that happened
after everything it learnt from, as in production. Metrics: precision and recall at fixed alert rates (the share
of transfers fraud ops can review), overall and per fraud pattern, and PR-AUC."""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pororoca_fraud import drift, gate, registry
from pororoca_fraud.features import FEATURES, FEATURES_VERSION
from pororoca_fraud.model import LinearModel, build_pipeline
from pororoca_fraud.scoring import ScoringConfig, judge, load_config

ALERT_RATES = (0.005, 0.01)
DAY_MS = 86_400_000

log = logging.getLogger("pororoca.fraud.train")


def _x(rows: list[dict[str, Any]]) -> list[list[float]]:
    return [[math.nan if r[f] is None else float(r[f]) for f in FEATURES] for r in rows]


def at_alert_rate(scores: list[float], rows: list[dict[str, Any]], rate: float) -> dict[str, Any]:
    """Alert on the top `rate` share of scores: precision, recall, and recall per fraud pattern."""
    n_alert = max(1, round(len(scores) * rate))
    order = sorted(range(len(scores)), key=lambda i: -scores[i])[:n_alert]
    alerted = set(order)
    frauds = [i for i, r in enumerate(rows) if r["label"]]
    hits = sum(1 for i in order if rows[i]["label"])
    per_pattern: dict[str, float] = {}
    for pattern in sorted({rows[i]["pattern"] for i in frauds}):
        members = [i for i in frauds if rows[i]["pattern"] == pattern]
        per_pattern[pattern] = round(sum(1 for i in members if i in alerted) / len(members), 4)
    return {
        "alerts": n_alert,
        "precision": round(hits / n_alert, 4),
        "recall": round(hits / len(frauds), 4) if frauds else None,
        "recall_by_pattern": per_pattern,
    }


def evaluate(scores: list[float], rows: list[dict[str, Any]], rates: tuple[float, ...] = ALERT_RATES) -> dict[str, Any]:
    from sklearn.metrics import average_precision_score

    labels = [r["label"] for r in rows]
    out: dict[str, Any] = {"transfers": len(rows), "frauds": sum(labels)}
    out["pr_auc"] = round(float(average_precision_score(labels, scores)), 4) if 0 < sum(labels) < len(rows) else None
    for rate in sorted(set(rates)):
        out[f"at_{rate:.1%}"] = at_alert_rate(scores, rows, rate)
    return out


def mature(rows: list[dict[str, Any]], labels_as_of_ms: int | None, maturity_days: float) -> list[dict[str, Any]]:
    """The transfers whose label can no longer change: older than the maturity window before the latest
    detection."""
    if labels_as_of_ms is None:
        return []
    cutoff = labels_as_of_ms - maturity_days * DAY_MS
    return [r for r in rows if r["created_ms"] <= cutoff]


def split(rows: list[dict[str, Any]], holdout: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows = sorted(rows, key=lambda r: (r["created_ms"], r["transfer_id"]))
    cut = int(len(rows) * (1 - holdout))
    return rows[:cut], rows[cut:]


def population(rows: list[dict[str, Any]], pipeline: Any, config: ScoringConfig) -> dict[str, list[dict[str, Any]]]:
    """The drift reference: bins of every feature over `rows`, and of the score the processor would give them
    (rules and model together, as live). Given the holdout, the most recent population the model was judged on:
    ages and balances move with time, and an older reference would call that drift from the first day."""
    model = LinearModel.from_pipeline(pipeline, "reference")
    columns: dict[str, list[Any]] = {f: [r[f] for r in rows] for f in FEATURES}
    columns["score"] = [judge(r, config, model).score for r in rows]
    return {name: [dataclasses.asdict(b) for b in drift.reference(values)] for name, values in columns.items()}


def train(dataset: Path, register: bool, min_frauds: int, overrides: dict[str, Any]) -> dict[str, Any]:
    lines = dataset.read_text().splitlines()
    meta = {**json.loads(lines[0]), "sha256": hashlib.sha256("\n".join(lines[1:]).encode()).hexdigest()}
    config = dataclasses.replace(load_config(), **overrides)
    rows = mature([json.loads(line) for line in lines[1:]], meta.get("labels_as_of_ms"), config.label_maturity_days)
    train_rows, holdout = split(rows, config.holdout_share)
    learnt = sum(r["label"] for r in train_rows)
    if learnt < min_frauds:
        raise SystemExit(f"only {learnt} labelled frauds before the holdout (need {min_frauds}): load more data")
    pipeline = build_pipeline()
    pipeline.fit(_x(train_rows), [r["label"] for r in train_rows])
    rates = (*ALERT_RATES, config.promotion.alert_rate)
    scores = [float(p) for p in pipeline.predict_proba(_x(holdout))[:, 1]]
    metrics = evaluate(scores, holdout, rates)
    metrics["train_transfers"], metrics["train_frauds"] = len(train_rows), sum(r["label"] for r in train_rows)
    result: dict[str, Any] = {"metrics": metrics, "snapshots": meta["snapshots"], "features_version": FEATURES_VERSION,
                              "training_set_sha256": meta["sha256"]}  # fmt: skip
    if register:
        result.update(_register(pipeline, meta, metrics, _champion_on(holdout, config, rates), config))
        result["reference"] = population(holdout, pipeline, config)
    return result


@dataclass(frozen=True)
class Champion:
    version: str | None  # None: no champion yet
    metrics: dict[str, Any] | None = None  # on the challenger's holdout
    incomparable: str | None = None  # why it could not be scored on that holdout


def _champion_on(holdout: list[dict[str, Any]], config: ScoringConfig, rates: tuple[float, ...]) -> Champion:
    """The current champion, scored on the challenger's holdout: both are judged on the same transfers."""
    import mlflow

    reg = registry.MlflowRegistry(config.model_name)
    version = reg.alias(config.model_alias)
    if version is None:
        return Champion(None)
    features = (reg.tags(version) or {}).get("features_version")
    if features not in (None, FEATURES_VERSION):
        why = f"version {version} computes other features ({features}, now {FEATURES_VERSION})"
        return Champion(version, incomparable=why)
    pipeline = mlflow.sklearn.load_model(f"models:/{config.model_name}/{version}")
    try:
        scores = [float(p) for p in pipeline.predict_proba(_x(holdout))[:, 1]]
    except ValueError as e:  # another feature list than today's
        return Champion(version, incomparable=f"version {version} cannot score today's features: {e}")
    return Champion(version, evaluate(scores, holdout, rates))


def _flat(metrics: dict[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in metrics.items():
        key = f"{prefix}{k}".replace("%", "pct")
        if isinstance(v, dict):
            out.update(_flat(v, key + "."))
        elif isinstance(v, int | float):
            out[key] = float(v)
    return out


def _register(
    pipeline: Any, meta: dict[str, Any], metrics: dict[str, Any], champion: Champion, config: ScoringConfig
) -> dict[str, Any]:
    """Register the new version as the challenger; the gate decides whether it also becomes the champion (the
    champion it replaces keeps the alias `previous`, for `pororoca fraud rollback`)."""
    import mlflow
    import sklearn
    from mlflow.models import infer_signature

    if champion.incomparable:
        decision = gate.GateDecision(False, (f"champion {champion.incomparable}: promote by hand if intended",))
    else:
        decision = gate.decide(metrics, champion.metrics, config.promotion)
    mlflow.set_experiment("pororoca-pix-fraud")
    with mlflow.start_run(run_name="fraud-train") as run:
        mlflow.log_params(
            {
                "features_version": FEATURES_VERSION,
                "code_version": meta.get("code_version", "unknown"),
                "holdout_share": config.holdout_share,
                "label_maturity_days": config.label_maturity_days,
                "labels_as_of_ms": meta.get("labels_as_of_ms"),
                "features": ",".join(FEATURES),
                "training_set_sha256": meta.get("sha256", "unknown"),
                **{f"snapshot.{t}": s for t, s in meta["snapshots"].items()},
            }
        )
        mlflow.log_metrics(_flat(metrics))
        mlflow.log_dict(metrics, "evaluation.json")
        gate_record = {
            "promote": decision.promote,
            "reasons": list(decision.reasons),
            "policy": dataclasses.asdict(config.promotion),
            "champion_version": champion.version,
            "champion_metrics": champion.metrics,
        }
        mlflow.log_dict(gate_record, "gate.json")
        mlflow.set_tags({"gate.decision": "promoted" if decision.promote else "refused", "gate": decision.summary()})
        example = [[0.0] * len(FEATURES)]
        info = mlflow.sklearn.log_model(
            pipeline,
            name="model",
            registered_model_name=config.model_name,
            signature=infer_signature(example, [0.0]),
            # skops (MLflow's safe format) refuses unlisted types on load; a fitted scaler holds numpy dtypes.
            skops_trusted_types=["numpy.dtype"],
            pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
        )
        version = str(info.registered_model_version)
        reg = registry.MlflowRegistry(config.model_name)
        for key, value in (("features_version", FEATURES_VERSION), ("gate", decision.summary()[:5000])):
            reg.set_tag(version, key, value)
        reg.set_alias(registry.CHALLENGER, version)
        if decision.promote:  # the same guarded, recorded move as a human's `fraud promote`, by the gate
            registry.promote(reg, config.model_alias, version, actor="gate", reason=decision.summary(), force=False)
        return {
            "run_id": run.info.run_id,
            "model": config.model_name,
            "version": version,
            "alias": config.model_alias if decision.promote else "challenger",
            "promoted": decision.promote,
            "gate": list(decision.reasons),
            "champion_before": champion.version,
            "champion_metrics": champion.metrics,
        }


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    p = argparse.ArgumentParser(prog="pororoca_fraud.train")
    p.add_argument("dataset", type=Path)
    p.add_argument("--no-register", action="store_true")
    p.add_argument("--min-frauds", type=int, default=20)
    p.add_argument("--result", type=Path, required=True, help="where to write the result (JSON)")
    p.add_argument("--label-maturity-days", type=float, help="override scoring.toml [training]")
    p.add_argument("--holdout-share", type=float, help="override scoring.toml [training]")
    args = p.parse_args(argv)
    overrides: dict[str, Any] = {
        k: v for k, v in (("label_maturity_days", args.label_maturity_days), ("holdout_share", args.holdout_share))
        if v is not None
    }  # fmt: skip
    result = train(args.dataset, not args.no_register, args.min_frauds, overrides)
    # A file, not stdout: MLflow prints its own lines there.
    args.result.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
