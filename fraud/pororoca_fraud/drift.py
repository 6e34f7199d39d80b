"""The population a model was built on, as bins per feature (and of the score): the reference that daily drift
(population stability index, `sql/monitor_drift.sql`) compares each day's scored transfers with.

Bins are the deciles of the reference values (fewer where values repeat: a flag has two), each a half-open range
(lower, upper]; the first is open below and the last above, so every later value falls in one. Missing values
have their own bin (-1): a feature that goes missing more often is drift too."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

NULL_BIN = -1
BINS = 10


@dataclass(frozen=True)
class Bin:
    index: int  # NULL_BIN for missing values
    lower: float | None  # exclusive; None: open below (or the missing-value bin)
    upper: float | None  # inclusive; None: open above (or the missing-value bin)
    share: float  # of the reference population, missing values included

    def holds(self, value: float | None) -> bool:
        if value is None:
            return self.index == NULL_BIN
        if self.index == NULL_BIN:
            return False
        return (self.lower is None or value > self.lower) and (self.upper is None or value <= self.upper)


def _number(value: float | bool | None) -> float | None:
    return None if value is None else float(value)


def edges(values: Sequence[float], bins: int = BINS) -> list[float]:
    """The inner cut points: the 1/bins .. (bins-1)/bins quantiles (nearest rank), without repeats."""
    ordered = sorted(values)
    if not ordered:
        return []
    cuts = {ordered[min(len(ordered) - 1, (len(ordered) * k) // bins)] for k in range(1, bins)}
    return sorted(c for c in cuts if c < ordered[-1])  # a cut at the maximum would leave its upper bin empty


def reference(values: Iterable[float | bool | None], bins: int = BINS) -> list[Bin]:
    """The bins of one feature's reference values and the share of the population in each."""
    numbers = [_number(v) for v in values]
    present = [v for v in numbers if v is not None]
    cuts = edges(present, bins)
    bounds = list(zip([None, *cuts], [*cuts, None], strict=True))
    shaped = [Bin(NULL_BIN, None, None, 0.0)] + [Bin(i, lo, hi, 0.0) for i, (lo, hi) in enumerate(bounds)]
    counts = dict.fromkeys((b.index for b in shaped), 0)
    for v in numbers:
        counts[next(b.index for b in shaped if b.holds(v))] += 1
    total = max(1, len(numbers))
    return [Bin(b.index, b.lower, b.upper, counts[b.index] / total) for b in shaped]
