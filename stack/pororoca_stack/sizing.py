"""How big a production install must be for a transaction volume: cores, memory and storage per component and a
monthly cost, scaled from the rates this project measured on its reference machine (stack/sizing/rates.toml)
and priced from a dated list-price table (stack/sizing/prices.toml). Pure: the method is docs/sizing.md."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pororoca_core.errors import ConfigError

DIR = Path(__file__).resolve().parents[1] / "sizing"
HOURS_PER_MONTH = 730
DAY = 86_400
GB = 1e9


@dataclass(frozen=True)
class Shape:
    cores: int
    memory_gib: int
    min: int


@dataclass(frozen=True)
class Rates:
    measured: dict[str, float]
    assumed: dict[str, float]
    workload: dict[str, float]
    headroom: float
    shapes: dict[str, Shape]

    @classmethod
    def load(cls, path: Path = DIR / "rates.toml") -> Rates:
        doc = tomllib.loads(path.read_text())
        return cls(doc["measured"], doc["assumed"], doc["workload"], doc["headroom"]["factor"],
                   {k: Shape(**v) for k, v in doc["shapes"].items()})  # fmt: skip


@dataclass(frozen=True)
class Price:
    provider: str
    as_of: str
    verified: bool
    region: str
    source: str
    vcpu_hour: float
    gib_hour: float
    object_gb_month: float
    block_gb_month: float


def chart_volume(path: Path = DIR / "rates.toml") -> Volume:
    """The volume the chart's production values are sized for."""
    ref = tomllib.loads(path.read_text())["chart"]
    return Volume(float(ref["transactions_per_day"]), float(ref["peak_factor"]))


def load_prices(path: Path = DIR / "prices.toml") -> dict[str, Price]:
    return {name: Price(name, **doc) for name, doc in tomllib.loads(path.read_text()).items()}


@dataclass(frozen=True)
class Volume:
    transactions_per_day: float
    peak_factor: float = 3.0
    retention_days: int = 365

    def __post_init__(self) -> None:
        if self.transactions_per_day <= 0 or self.peak_factor < 1 or self.retention_days < 1:
            raise ConfigError("sizing: transactions per day > 0, peak factor >= 1 and retention >= 1 day, please")


@dataclass(frozen=True)
class Component:
    name: str
    units: int
    shape: Shape
    why: str
    needed_cores: float  # the peak's demand with headroom, before rounding up to whole units
    block_gb: float = 0.0  # SSD attached to the units (Kafka's logs)

    @property
    def cores(self) -> int:
        return self.units * self.shape.cores

    @property
    def memory_gib(self) -> int:
        return self.units * self.shape.memory_gib


@dataclass(frozen=True)
class Plan:
    volume: Volume
    peak_changes_per_s: float
    peak_pix_per_s: float
    kafka_partitions: int
    components: tuple[Component, ...]
    object_storage_gb: float  # the lake at steady state (retention reached)
    object_growth_gb_per_month: float

    @property
    def cores(self) -> int:
        return sum(c.cores for c in self.components)

    @property
    def memory_gib(self) -> int:
        return sum(c.memory_gib for c in self.components)

    def monthly_cost(self, price: Price) -> dict[str, float]:
        compute = sum(
            (c.cores * price.vcpu_hour + c.memory_gib * price.gib_hour) * HOURS_PER_MONTH for c in self.components
        )
        block = sum(c.block_gb for c in self.components) * price.block_gb_month
        lake = self.object_storage_gb * price.object_gb_month
        return {"compute": round(compute), "block_storage": round(block), "object_storage": round(lake),
                "total": round(compute + block + lake)}  # fmt: skip


def _units(needed_cores: float, shape: Shape) -> int:
    return max(shape.min, math.ceil(needed_cores / shape.cores))


def plan(volume: Volume, rates: Rates) -> Plan:
    m, a, w, h, s = rates.measured, rates.assumed, rates.workload, rates.headroom, rates.shapes
    changes_per_day = volume.transactions_per_day * w["changes_per_transaction"]
    peak_changes = changes_per_day / DAY * volume.peak_factor
    peak_pix = volume.transactions_per_day * w["pix_share"] / DAY * volume.peak_factor

    # One sink task per partition, each at the measured per-core rate: the partitions a topic needs at peak.
    cdc_cores = peak_changes * h / m["cdc_changes_per_s_per_core"]
    partitions = max(s["connect_worker"].min, math.ceil(cdc_cores))
    topic_gb = changes_per_day * m["kafka_bytes_per_change"] * w["topic_retention_days"] * w["kafka_replication"] / GB
    block_gb = topic_gb * h
    write_mb_s = peak_changes * m["kafka_bytes_per_change"] * w["kafka_replication"] / 1e6
    brokers = max(s["kafka_broker"].min, math.ceil(write_mb_s * h / a["kafka_broker_write_mb_per_s"]),
                  math.ceil(block_gb / a["kafka_broker_disk_gb"]))  # fmt: skip
    curation_cores = peak_changes * h / m["curation_rows_per_s_per_core"]
    fraud_cores = peak_pix * h / m["fraud_transfers_per_s_per_core"]
    kpi_cores = volume.transactions_per_day / (m["kpi_rows_per_s_per_core"] * w["kpi_window_minutes"] * 60)

    per_day_gb = (changes_per_day * m["bronze_bytes_per_change"]
                  + volume.transactions_per_day * m["silver_bytes_per_row"]) / GB  # fmt: skip
    lake_gb = per_day_gb * volume.retention_days * (1 + w["lake_overhead"])
    components = (
        Component("kafka brokers", brokers, s["kafka_broker"],
                  f"{write_mb_s:,.0f} MB/s written at peak with replicas, {topic_gb:,.0f} GB of topics "
                  f"({w['topic_retention_days']:g} days x{w['kafka_replication']:g} replicas)",
                  write_mb_s * h / a["kafka_broker_write_mb_per_s"] * s["kafka_broker"].cores, block_gb=block_gb),
        Component("kafka connect (Debezium + Iceberg sink)", _units(cdc_cores, s["connect_worker"]),
                  s["connect_worker"], f"{partitions} sink tasks (one per partition of the busiest topics)", cdc_cores),
        Component("spark (curation, near real time)", _units(curation_cores, s["spark_executor"]),
                  s["spark_executor"], f"{curation_cores:,.1f} cores to merge the peak's changes as they come",
                  curation_cores),
        Component("fraud processor", _units(fraud_cores, s["fraud_replica"]), s["fraud_replica"],
                  f"{peak_pix:,.0f} Pix transfers/s at peak; replicas <= the Pix topic's partitions", fraud_cores),
        Component("trino workers", _units(kpi_cores, s["trino_worker"]), s["trino_worker"],
                  f"a day's KPIs within {w['kpi_window_minutes']:g} min ({kpi_cores:,.1f} cores), "
                  "plus the analysts' queries", kpi_cores),
    )  # fmt: skip
    return Plan(volume, peak_changes, peak_pix, partitions, components, lake_gb, per_day_gb * 30)


def render(p: Plan, prices: dict[str, Price]) -> str:
    v = p.volume
    lines = [
        f"sizing: {v.transactions_per_day:,.0f} transactions/day, peak x{v.peak_factor:g} "
        f"({p.peak_changes_per_s:,.0f} changes/s, {p.peak_pix_per_s:,.0f} Pix/s), "
        f"lake retention {v.retention_days} days",
        "",
        f"{'component':<42}{'units':>6}{'cores':>7}{'GiB':>7}{'SSD GB':>9}  why",
    ]  # fmt: skip
    for c in p.components:
        lines.append(f"{c.name:<42}{c.units:>6}{c.cores:>7}{c.memory_gib:>7}{c.block_gb:>9,.0f}  {c.why}")
    lines += [
        f"{'total':<42}{'':>6}{p.cores:>7}{p.memory_gib:>7}",
        "",
        f"kafka partitions per busy change topic: {p.kafka_partitions}",
        f"object storage: {p.object_storage_gb:,.0f} GB at steady state (+{p.object_growth_gb_per_month:,.0f} GB/month "
        "until retention is reached; compaction and 7 days of snapshots included)",
        "",
        "monthly cost (USD, on-demand list prices; no discounts, egress or requests):",
    ]  # fmt: skip
    for price in prices.values():
        cost = p.monthly_cost(price)
        note = "" if price.verified else ", unverified"
        lines.append(f"  {price.provider:<6} {cost['total']:>10,}  (compute {cost['compute']:,}, "
                     f"SSD {cost['block_storage']:,}, objects {cost['object_storage']:,}; {price.region}, "
                     f"prices as of {price.as_of}{note})")  # fmt: skip
    return "\n".join(lines)
