"""What every domain of the generated data set shares: the window, the volumes at scale 1, seeded sampling
with seasonality, the row containers and the customer every domain hangs off."""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import random
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import NamedTuple

from pororoca_sources import domain as d

BRT = timezone(timedelta(hours=-3))  # America/Sao_Paulo has had no daylight saving time since 2019
WINDOW_DAYS = 90  # transactional history loaded
CREDIT_MONTHS = 36  # credit history loaded
ALNUM_CNPJ_FROM = date(2026, 7, 1)

# Row counts at scale 1, after seed 002's Pix data sets (users, keys, devices, transfers, auth log).
BASE = {
    "customers": 20_000,
    "devices": 30_000,
    "pix_keys": 25_000,
    "auth_events": 100_000,
    "pix_transfers": 50_000,
    "card_transactions": 40_000,
    "credit_applications": 8_000,
    "bureau_credits": 30_000,
    "open_finance_consents": 6_000,
    "merchants": 2_000,
    "terminals": 3_500,
    "pos_transactions": 100_000,
}
FRAUD_SHARE_PIX = 0.005
FRAUD_SHARE_CARD = 0.003
FRAUD_PATTERNS = {"account_takeover": 0.35, "mule_account": 0.30, "limit_burst": 0.20, "night_new_account": 0.15}


@dataclass
class Table:
    columns: tuple[str, ...]
    rows: list[tuple] = field(default_factory=list)


@dataclass
class Dataset:
    seed: int
    scale: float
    as_of: date
    core: dict[str, Table]
    acquiring: dict[str, Table]

    _fingerprint: str = field(default="", repr=False, compare=False)

    def fingerprint(self) -> str:
        """Hash of every row; computed once (it takes seconds at scale 1) and reused by every caller."""
        if not self._fingerprint:
            h = hashlib.sha256()
            for db, tables in (("core", self.core), ("acquiring", self.acquiring)):
                for name, t in tables.items():
                    h.update(f"{db}.{name}:{','.join(t.columns)}\n".encode())
                    for row in t.rows:
                        h.update(repr(row).encode())
            self._fingerprint = h.hexdigest()
        return self._fingerprint

    def counts(self) -> dict[str, int]:
        return {n: len(t.rows) for n, t in itertools.chain(self.core.items(), self.acquiring.items())}


def money(value: float) -> Decimal:
    return Decimal(max(1, round(value * 100))).scaleb(-2)


def ascii_lower(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


class Sampler:
    """Weighted choices and seasonal timestamps from one seeded RNG."""

    def __init__(self, rng: random.Random, as_of: date):
        self.rng = rng
        self.as_of = as_of
        self.end = datetime.combine(as_of, time(23, 59, 59), BRT)
        self._days: dict[int, tuple[list[date], list[float]]] = {}
        self._cum: dict[tuple[float, ...], list[float]] = {}

    def weighted(self, options: Sequence, weights: Sequence[float]):
        # random.choices re-accumulates the weights on every call; this is the generator's hot path.
        key = weights if isinstance(weights, tuple) else tuple(weights)
        cum = self._cum.get(key)
        if cum is None:
            cum = self._cum[key] = list(itertools.accumulate(key))
        return options[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def lognormal(self, median: float, sigma: float) -> float:
        return self.rng.lognormvariate(math.log(median), sigma)

    def _day_table(self, days: int) -> tuple[list[date], list[float]]:
        if days not in self._days:
            dates = [self.as_of - timedelta(days=i) for i in range(days)]
            weights = [d.WEEKDAY[x.weekday()] * d.PAYDAYS.get(x.day, 1.0) for x in dates]
            self._days[days] = (dates, list(itertools.accumulate(weights)))
        return self._days[days]

    def moment(self, days: int, hourly: Sequence[float], not_before: datetime | None = None) -> datetime:
        """A UTC timestamp in the last `days` days with weekly, payday and hour-of-day seasonality."""
        dates, cum = self._day_table(days)
        for _ in range(20):
            day = dates[bisect.bisect(cum, self.rng.random() * cum[-1])]
            hour = self.weighted(range(24), hourly)
            local = datetime.combine(day, time(hour), BRT) + timedelta(seconds=self.rng.random() * 3600)
            if (not_before is None or local >= not_before) and local <= self.end:
                return local.astimezone(UTC)
        return max(not_before or self.end, self.end - timedelta(hours=1)).astimezone(UTC)

    def date_between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randrange(max(1, (end - start).days + 1)))

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)


@dataclass
class Customer:
    id: int
    cpf: str
    name: str
    uf: str
    city: str
    income: str
    education: str
    age: int
    signup: date
    account_id: int = 0
    opened_at: datetime | None = None
    devices: list[tuple[int, datetime]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    per_tx_limit: float = 0.0
    activity: float = 1.0

    @property
    def account_opened(self) -> datetime:
        """When the customer's account was opened (accounts are generated before anything that uses them)."""
        if self.opened_at is None:
            raise AssertionError(f"customer {self.id} has no account yet")
        return self.opened_at


class Terminal(NamedTuple):
    id: int
    installed_at: datetime


class Merchant(NamedTuple):
    """What card payments need of a merchant generated by the acquiring domain."""

    id: int
    category: str
    uf: str
    size: float  # relative sales volume: how often it is picked
    terminals: list[Terminal]
    name: str


def count_at(name: str, scale: float) -> int:
    return max(1, round(BASE[name] * scale))
