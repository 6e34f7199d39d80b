"""The sizing model (pure): demand follows volume, rounding never undersizes, prices are dated and sourced."""

from __future__ import annotations

import re

import pytest

from pororoca_core.errors import ConfigError
from pororoca_stack import sizing

RATES = sizing.Rates.load()
PRICES = sizing.load_prices()


def test_seed_000s_volume_gives_its_peak_and_a_unit_count_that_covers_every_component():
    plan = sizing.plan(sizing.Volume(500e6, peak_factor=3), RATES)
    assert plan.peak_changes_per_s == pytest.approx(500e6 * 3 / 86_400 * 3)
    assert plan.peak_pix_per_s == pytest.approx(500e6 * 0.5 / 86_400 * 3)
    for c in plan.components:
        assert c.units >= c.shape.min and c.cores >= c.needed_cores, c
    # One sink task per partition at the measured per-core rate, with headroom.
    connect = next(c for c in plan.components if c.name.startswith("kafka connect"))
    assert plan.kafka_partitions == pytest.approx(connect.needed_cores, abs=1)


def test_ten_times_the_volume_never_needs_less_and_storage_grows_with_retention():
    small, big = (sizing.plan(sizing.Volume(v), RATES) for v in (50e6, 500e6))
    pairs = zip(small.components, big.components, strict=True)
    assert all(b.needed_cores == pytest.approx(s.needed_cores * 10) for s, b in pairs)
    assert big.cores >= small.cores and big.object_storage_gb == pytest.approx(small.object_storage_gb * 10)
    short = sizing.plan(sizing.Volume(500e6, retention_days=30), RATES)
    assert short.object_storage_gb == pytest.approx(big.object_storage_gb * 30 / 365)


def test_costs_add_up_per_provider_and_every_price_is_dated_and_sourced():
    plan = sizing.plan(sizing.Volume(500e6), RATES)
    assert set(PRICES) == {"aws", "gcp", "azure"}
    for price in PRICES.values():
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", price.as_of) and price.source.startswith("https://")
        cost = plan.monthly_cost(price)
        assert cost["total"] == pytest.approx(cost["compute"] + cost["block_storage"] + cost["object_storage"], abs=2)
        assert cost["compute"] > 0 and cost["object_storage"] > 0
    text = sizing.render(plan, PRICES)
    assert all(p in text for p in PRICES) and "unverified" in text  # the table says what it is


def test_a_volume_that_cannot_be_sized_is_refused():
    for bad in (dict(transactions_per_day=0), dict(transactions_per_day=1e6, peak_factor=0.5),
                dict(transactions_per_day=1e6, retention_days=0)):  # fmt: skip
        with pytest.raises(ConfigError):
            sizing.Volume(**bad)
