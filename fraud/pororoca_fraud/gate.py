"""The promotion gate: may a challenger replace the champion? Pure; configured by `fraud/scoring.toml [promotion]`.

Both models are judged on the same recent, time-based holdout. The challenger must alert more precisely at the
alert rate fraud ops can review, and may not catch any fraud pattern noticeably less often: a better average
bought by going blind to one scheme (say, mule accounts) is not a better model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PromotionPolicy:
    alert_rate: float  # the share of transfers alerted, as in the evaluation (`at_<rate>` in the metrics)
    min_precision_gain: float  # the challenger's precision must exceed the champion's by more than this
    recall_tolerance: float  # per pattern, the challenger's recall may fall at most this far below the champion's

    @property
    def key(self) -> str:
        return f"at_{self.alert_rate:.1%}"


@dataclass(frozen=True)
class GateDecision:
    promote: bool
    reasons: tuple[str, ...]

    def summary(self) -> str:
        return ("promoted: " if self.promote else "refused: ") + "; ".join(self.reasons)


def decide(challenger: Mapping[str, Any], champion: Mapping[str, Any] | None, policy: PromotionPolicy) -> GateDecision:
    """`challenger` and `champion`: evaluations on the same holdout (`train.evaluate`); None when no champion."""
    if champion is None:
        return GateDecision(True, ("no champion yet: the first model is promoted",))
    key = policy.key
    if key not in challenger or key not in champion:
        return GateDecision(False, (f"no evaluation at the {policy.alert_rate:.1%} alert rate to compare",))
    new, old = challenger[key], champion[key]
    reasons = []
    gain = new["precision"] - old["precision"]
    beats = gain > policy.min_precision_gain
    reasons.append(
        f"precision at {policy.alert_rate:.1%} alerts {new['precision']:.4f} vs champion {old['precision']:.4f} "
        f"({gain:+.4f}; must exceed {policy.min_precision_gain:+.4f})"
    )
    lost = []
    for pattern, recall in sorted(old.get("recall_by_pattern", {}).items()):
        mine = new.get("recall_by_pattern", {}).get(pattern, 0.0)
        if mine < recall - policy.recall_tolerance:
            lost.append(f"{pattern} recall {mine:.4f} vs champion {recall:.4f}")
    if lost:
        reasons.append(f"loses recall beyond the tolerance of {policy.recall_tolerance:.2f}: " + ", ".join(lost))
    else:
        reasons.append(f"no fraud pattern's recall falls more than {policy.recall_tolerance:.2f}")
    return GateDecision(beats and not lost, tuple(reasons))
