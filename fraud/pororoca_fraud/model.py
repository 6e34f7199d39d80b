"""The fraud model: a scikit-learn pipeline (imputer, scaler, logistic regression) whose contributions explain each
score, registered in MLflow and loaded by alias."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pororoca_fraud.features import FEATURES

log = logging.getLogger("pororoca.fraud")


@dataclass(frozen=True)
class LinearModel:
    """The fitted pipeline's arithmetic (median imputation, standardisation, logistic regression), applied in
    plain Python: per event, scikit-learn's input validation cost more than the model itself."""

    medians: tuple[float, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    version: str

    @classmethod
    def from_pipeline(cls, pipeline: Any, version: str) -> LinearModel:
        impute, scale, classify = (pipeline.named_steps[n] for n in ("impute", "scale", "classify"))
        return cls(
            tuple(float(v) for v in impute.statistics_),
            tuple(float(v) for v in scale.mean_),
            tuple(float(v) for v in scale.scale_),
            tuple(float(v) for v in classify.coef_[0]),
            float(classify.intercept_[0]),
            version,
        )

    def score(self, row: Sequence[float]) -> tuple[float, list[tuple[str, float]]]:
        contributions = []
        z = self.intercept
        for name, x, median, mean, scale, w in zip(
            FEATURES, row, self.medians, self.means, self.scales, self.coef, strict=True
        ):
            c = w * ((median if math.isnan(x) else x) - mean) / scale
            z += c
            contributions.append((name, c))
        probability = 1 / (1 + math.exp(-z)) if z > -700 else 0.0
        return probability, sorted(((f, c) for f, c in contributions if c > 0), key=lambda fc: -fc[1])


def build_pipeline() -> Any:
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("classify", LogisticRegression(class_weight="balanced", max_iter=2000, C=0.5)),
        ]
    )


def alias_version(name: str, alias: str) -> str | None:
    """The version the alias points at now (None: no such model or alias yet)."""
    import mlflow
    from mlflow.exceptions import MlflowException

    try:
        return str(mlflow.MlflowClient().get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def load_version(name: str, version: str) -> LinearModel:
    """One registered version, by number: what an alias named when it was read, even if it has moved since."""
    import mlflow

    pipeline = mlflow.sklearn.load_model(f"models:/{name}/{version}")
    log.info("loaded model %s version %s", name, version)
    return LinearModel.from_pipeline(pipeline, version)


def load_alias(name: str, alias: str) -> LinearModel | None:
    """The registered version under `alias` (`champion`, `challenger`), or None when the registry has none yet (the
    rules still score)."""
    if not os.environ.get("MLFLOW_TRACKING_URI"):
        log.warning("no MLFLOW_TRACKING_URI: scoring with the rules only")
        return None
    version = alias_version(name, alias)
    if version is None:
        log.warning("no model %s@%s in the registry yet", name, alias)
        return None
    return load_version(name, version)
