"""The fraud model: a scikit-learn pipeline (imputer, scaler, logistic regression) whose contributions explain each
score, registered in MLflow and loaded by alias."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pororoca_fraud.features import FEATURES

log = logging.getLogger("pororoca.fraud")


@dataclass
class SklearnModel:
    pipeline: Any  # sklearn Pipeline: impute -> scale -> logistic regression
    version: str

    def score(self, row: Sequence[float]) -> tuple[float, list[tuple[str, float]]]:
        import numpy as np

        x = np.asarray([row], dtype=float)
        probability = float(self.pipeline.predict_proba(x)[0, 1])
        scaled = self.pipeline[:-1].transform(x)[0]
        coef = self.pipeline[-1].coef_[0]
        contributions = sorted(zip(FEATURES, scaled * coef, strict=True), key=lambda fc: -fc[1])
        return probability, [(f, float(c)) for f, c in contributions if c > 0]


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


def champion_version(name: str, alias: str) -> str | None:
    """The version the alias points at now (None: no such model or alias yet)."""
    import mlflow
    from mlflow.exceptions import MlflowException

    try:
        return str(mlflow.MlflowClient().get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def load_champion(name: str, alias: str) -> SklearnModel | None:
    """The registered version under `alias`, or None when the registry has none yet (rules still score)."""
    if not os.environ.get("MLFLOW_TRACKING_URI"):
        log.warning("no MLFLOW_TRACKING_URI: scoring with the rules only")
        return None
    import mlflow
    from mlflow.exceptions import MlflowException

    client = mlflow.MlflowClient()
    try:
        mv = client.get_model_version_by_alias(name, alias)
    except MlflowException as e:
        log.warning("no model %s@%s in the registry yet (%s): scoring with the rules only", name, alias, e.error_code)
        return None
    pipeline = mlflow.sklearn.load_model(f"models:/{name}@{alias}")
    log.info("loaded model %s version %s (alias %s)", name, mv.version, alias)
    return SklearnModel(pipeline, str(mv.version))
