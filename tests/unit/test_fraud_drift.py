"""The drift reference: bins that hold every value exactly once, missing values apart, shares that add up."""

from __future__ import annotations

import random

import pytest

from pororoca_fraud import drift


def _bin_of(bins: list[drift.Bin], value: float | None) -> int:
    (hit,) = [b.index for b in bins if b.holds(value)]
    return hit


def test_deciles_of_a_continuous_feature_hold_a_tenth_each_and_any_later_value_falls_in_one_bin():
    rng = random.Random(7)
    values: list[float | None] = [rng.lognormvariate(5, 1) for _ in range(10_000)] + [None] * 500
    bins = drift.reference(values)
    assert [b.index for b in bins] == [drift.NULL_BIN, *range(10)]
    assert sum(b.share for b in bins) == pytest.approx(1.0)
    assert bins[0].share == pytest.approx(500 / 10_500)
    assert all(b.share == pytest.approx(1000 / 10_500, abs=2 / 10_500) for b in bins[1:])
    for value in (-1.0, 0.0, 1e12, bins[3].upper, None):  # below, above, on an edge, missing: exactly one bin
        _bin_of(bins, value)
    assert _bin_of(bins, bins[3].upper) == 2  # an edge belongs to the bin it closes


def test_a_flag_has_two_bins_and_booleans_count_as_numbers():
    bins = drift.reference([True] * 30 + [False] * 70)
    shape = [(b.lower, b.upper, round(b.share, 2)) for b in bins]
    assert shape == [(None, None, 0.0), (None, 0.0, 0.7), (0.0, None, 0.3)]


def test_a_feature_never_seen_in_training_has_only_the_missing_bin_and_an_open_one():
    bins = drift.reference([None, None])
    assert [(b.index, b.share) for b in bins] == [(drift.NULL_BIN, 1.0), (0, 0.0)]
