"""Rules, thresholds and the decision for one transfer's features: pure, configured by `fraud/scoring.toml`."""

from __future__ import annotations

import math
import operator
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pororoca_fraud.features import FEATURES
from pororoca_fraud.gate import PromotionPolicy

CONFIG = Path(__file__).resolve().parent.parent / "scoring.toml"
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
DECISIONS = ("allow", "alert", "hold", "block")


class ScoringConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Condition:
    feature: str
    op: str
    value: Any

    def holds(self, features: Mapping[str, Any]) -> bool:
        v = features.get(self.feature)
        return v is not None and OPERATORS[self.op](v, self.value)

    def describe(self, features: Mapping[str, Any]) -> str:
        return f"{self.feature}={features.get(self.feature)!r} {self.op} {self.value!r}"


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: str
    score: float
    when: tuple[Condition, ...]


@dataclass(frozen=True)
class Thresholds:
    alert: float
    hold: float
    block: float

    def decide(self, score: float) -> str:
        if score >= self.block:
            return "block"
        if score >= self.hold:
            return "hold"
        return "alert" if score >= self.alert else "allow"


@dataclass(frozen=True)
class ScoringConfig:
    thresholds: Thresholds
    rules: tuple[Rule, ...]
    model_name: str
    model_alias: str
    model_reasons: int
    label_maturity_days: float
    holdout_share: float
    promotion: PromotionPolicy
    monitoring: MonitoringPolicy


@dataclass(frozen=True)
class MonitoringPolicy:
    psi_alert: float  # a feature's (or the score's) population stability index at or above this is drift
    min_transfers: int  # a day with fewer scored transfers is not judged (too few to tell drift from noise)
    precision_floor: float  # matured live precision below this raises an alert ...
    min_alerts: int  # ... when the day had at least this many alerts
    alert_days: int  # alerts concern only the latest days of a run


def load_config(path: Path = CONFIG) -> ScoringConfig:
    raw = tomllib.loads(path.read_text())
    rules = []
    for r in raw.get("rules", []):
        conds = []
        for cond in r["when"]:
            feature, op, value = cond
            if feature not in FEATURES:
                known = ", ".join(FEATURES)
                raise ScoringConfigError(f"rule {r['name']}: unknown feature {feature!r} (known: {known})")
            if op not in OPERATORS:
                raise ScoringConfigError(f"rule {r['name']}: unknown operator {op!r} (use {' '.join(OPERATORS)})")
            conds.append(Condition(feature, op, value))
        if not 0 <= r["score"] <= 1:
            raise ScoringConfigError(f"rule {r['name']}: score must be between 0 and 1")
        rules.append(Rule(r["name"], r["pattern"], float(r["score"]), tuple(conds)))
    t = raw["thresholds"]
    thresholds = Thresholds(float(t["alert"]), float(t["hold"]), float(t["block"]))
    if not 0 < thresholds.alert <= thresholds.hold <= thresholds.block <= 1:
        raise ScoringConfigError("thresholds must satisfy 0 < alert <= hold <= block <= 1")
    m, tr = raw["model"], raw["training"]
    if not 0 < tr["holdout_share"] < 1:
        raise ScoringConfigError("training.holdout_share must be between 0 and 1")
    p = raw["promotion"]
    promotion = PromotionPolicy(float(p["alert_rate"]), float(p["min_precision_gain"]), float(p["recall_tolerance"]))
    if not 0 < promotion.alert_rate < 1 or promotion.recall_tolerance < 0:
        raise ScoringConfigError("promotion: alert_rate must be between 0 and 1, recall_tolerance >= 0")
    mo = raw["monitoring"]
    monitoring = MonitoringPolicy(float(mo["psi_alert"]), int(mo["min_transfers"]), float(mo["precision_floor"]),
                                  int(mo["min_alerts"]), int(mo["alert_days"]))  # fmt: skip
    if monitoring.psi_alert <= 0 or not 0 <= monitoring.precision_floor <= 1:
        raise ScoringConfigError("monitoring: psi_alert must be > 0 and precision_floor between 0 and 1")
    return ScoringConfig(
        thresholds, tuple(rules), m["name"], m["alias"], int(m.get("reasons", 3)),
        float(tr["label_maturity_days"]), float(tr["holdout_share"]), promotion, monitoring,
    )  # fmt: skip


def vector(features: Mapping[str, Any]) -> list[float]:
    """The model's input: FEATURES in order, booleans as 0/1, unknown as NaN (the model's imputer fills it)."""
    return [math.nan if features.get(f) is None else float(features[f]) for f in FEATURES]


class Model(Protocol):
    @property
    def version(self) -> str: ...

    def score(self, row: Sequence[float]) -> tuple[float, list[tuple[str, float]]]:
        """Probability of fraud and the features' contributions, largest first."""
        ...


@dataclass(frozen=True)
class Verdict:
    score: float
    decision: str
    reasons: list[dict[str, Any]]
    model_version: str | None


def judge(features: Mapping[str, Any], config: ScoringConfig, model: Model | None) -> Verdict:
    reasons: list[dict[str, Any]] = []
    score = 0.0
    for rule in config.rules:
        if all(c.holds(features) for c in rule.when):
            score = max(score, rule.score)
            reasons.append(
                {
                    "kind": "rule",
                    "rule": rule.name,
                    "pattern": rule.pattern,
                    "score": rule.score,
                    "because": [c.describe(features) for c in rule.when],
                }
            )
    version = None
    if model is not None:
        probability, contributions = model.score(vector(features))
        version = model.version
        if probability >= config.thresholds.alert:
            reasons.append(
                {
                    "kind": "model",
                    "score": round(probability, 4),
                    "because": [
                        f"{f}={features.get(f)!r} ({c:+.2f})" for f, c in contributions[: config.model_reasons]
                    ],
                }
            )
        score = max(score, probability)
    return Verdict(round(score, 4), config.thresholds.decide(score), reasons, version)
