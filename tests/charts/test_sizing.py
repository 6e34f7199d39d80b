"""The chart's production values follow the sizing model: at the volume stack/sizing/rates.toml names for the
chart, every component's requests cover what `pororoca stack sizing` says it needs at peak."""

from __future__ import annotations

from pathlib import Path

import yaml

from pororoca_stack import sizing

from .test_values import _quantity

VALUES = yaml.safe_load((Path(__file__).resolve().parents[2] / "charts/pororoca/values.yaml").read_text())
DAGS = Path(__file__).resolve().parents[2] / "dags" / "pororoca_common.py"


def _needed() -> dict[str, sizing.Component]:
    return {c.name: c for c in sizing.plan(sizing.chart_volume(), sizing.Rates.load()).components}


def _cores(spec: dict, replicas: int) -> float:
    return replicas * _quantity(spec["resources"]["requests"]["cpu"])


def test_production_values_cover_the_sized_demand_of_their_reference_volume():
    need = _needed()
    brokers = need["kafka brokers"]
    kafka = VALUES["kafka"]
    assert kafka["replicas"] >= brokers.shape.min
    assert kafka["replicas"] * _quantity(kafka["storage"]) / 1e9 >= brokers.block_gb
    connect = VALUES["connect"]
    assert _cores(connect, connect["replicas"]) >= need["kafka connect (Debezium + Iceberg sink)"].needed_cores
    fraud = VALUES["fraud"]
    assert _cores(fraud, fraud["replicas"]) >= need["fraud processor"].needed_cores
    workers = VALUES["trino"]["workers"]
    assert _cores(workers, workers["replicas"]) >= need["trino workers"].needed_cores
    # Curation runs in a task pod of the `spark` size (dags/pororoca_common.py SIZES).
    assert '"spark": ("1",' in DAGS.read_text() and need["spark (curation, near real time)"].needed_cores <= 1


def test_the_reference_volume_is_a_real_workload():
    volume = sizing.chart_volume()
    assert volume.transactions_per_day >= 1e6 and volume.peak_factor >= 2
