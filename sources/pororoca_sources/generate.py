"""The initial data set, generated deterministically from (seed, scale, as-of date).

Pure: builds rows in memory and touches no database. Every relationship is built from rows generated
earlier, so referential integrity holds by construction (and the schemas enforce it again)."""

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

from faker import Faker

from pororoca_core.errors import UsageError
from pororoca_core.ids import random_cnpj, random_cpf, random_mobile
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


def _n(name: str, scale: float) -> int:
    return max(1, round(BASE[name] * scale))


def generate(seed: int = 42, scale: float = 1.0, as_of: date | None = None) -> Dataset:
    if scale <= 0:
        raise UsageError("scale must be > 0")
    as_of = as_of or datetime.now(UTC).date()
    rng = random.Random(seed)
    s = Sampler(rng, as_of)
    fake = Faker("pt_BR")
    fake.seed_instance(seed)
    core: dict[str, Table] = {}
    acq: dict[str, Table] = {}
    customers = _customers(s, fake, _n("customers", scale), core)
    _accounts_devices_keys_limits(s, customers, scale, core)
    _auth_events(s, customers, _n("auth_events", scale), core)
    merchants = _merchants_terminals(s, fake, scale, acq)
    _pos_transactions(s, merchants, _n("pos_transactions", scale), acq)
    _pix_and_fraud(s, customers, _n("pix_transfers", scale), core)
    _card_transactions(s, customers, merchants, _n("card_transactions", scale), core)
    _credit(s, customers, _n("credit_applications", scale), core)
    _bureau(s, customers, _n("bureau_credits", scale), core)
    _consents(s, customers, _n("open_finance_consents", scale), core)
    ordered = [
        "customers",
        "accounts",
        "devices",
        "pix_keys",
        "auth_events",
        "transaction_limits",
        "pix_transfers",
        "card_transactions",
        "credit_applications",
        "loan_contracts",
        "installments",
        "loan_payments",
        "collection_actions",
        "renegotiations",
        "bureau_credits",
        "fraud_cases",
        "open_finance_consents",
        "consent_permissions",
    ]
    return Dataset(seed, scale, as_of, {n: core[n] for n in ordered}, acq)


def _customers(s: Sampler, fake: Faker, n: int, core: dict[str, Table]) -> list[Customer]:
    t = core["customers"] = Table(
        (
            "customer_id",
            "cpf",
            "full_name",
            "birth_date",
            "email",
            "phone",
            "street",
            "city",
            "uf",
            "postal_code",
            "income_band",
            "occupation",
            "education",
            "signup_date",
            "status",
            "updated_at",
        )
    )
    ufs, uf_w = list(d.UFS), [v[0] for v in d.UFS.values()]
    bands, band_w = list(d.INCOME_BANDS), [v[0] for v in d.INCOME_BANDS.values()]
    ages = list(d.AGE_BANDS.values())
    seen_cpf: set[str] = set()
    out = []
    for cid in range(1, n + 1):
        cpf = random_cpf(s.rng)
        while cpf in seen_cpf:
            cpf = random_cpf(s.rng)
        seen_cpf.add(cpf)
        uf = s.weighted(ufs, uf_w)
        city = s.rng.choice(d.UFS[uf][1])
        income = s.weighted(bands, band_w)
        bi = bands.index(income)
        education = s.weighted(list(d.EDUCATION), [v[0][bi] for v in d.EDUCATION.values()])
        age_range = s.weighted([a[1] for a in ages], [a[0] for a in ages])
        age = s.rng.randint(*age_range)
        birth = s.as_of - timedelta(days=age * 365 + s.rng.randrange(365))
        occupation = (
            "aposentado"
            if age >= 65 and s.rng.random() < 0.7
            else s.weighted(list(d.OCCUPATIONS), list(d.OCCUPATIONS.values()))
        )
        name = fake.name()
        first, *_, last = ascii_lower(name).replace(".", "").split()
        email = f"{first}.{last}{cid}@{s.rng.choice(d.EMAIL_DOMAINS)}"
        # Sign-ups grow over three years (a growing fintech): the square root skews them recent.
        signup = s.as_of - timedelta(days=int(3 * 365 * (1 - math.sqrt(s.rng.random()))) + 1)
        status = "active" if s.rng.random() < 0.96 else s.rng.choice(("blocked", "closed"))
        c = Customer(cid, cpf, name, uf, city, income, education, age, signup, activity=s.lognormal(1.0, 0.9))
        updated = datetime.combine(signup, time(12), BRT).astimezone(UTC)
        t.rows.append(
            (
                cid,
                cpf,
                name,
                birth,
                email,
                random_mobile(s.rng, uf),
                fake.street_address(),
                city,
                uf,
                f"{s.rng.randrange(10**8):08d}",
                income,
                occupation,
                education,
                signup,
                status,
                updated,
            )
        )
        out.append(c)
    return out


def _accounts_devices_keys_limits(s: Sampler, customers: list[Customer], scale: float, core: dict[str, Table]) -> None:
    acc = core["accounts"] = Table(
        ("account_id", "customer_id", "branch", "number", "kind", "opened_at", "status", "updated_at")
    )
    dev = core["devices"] = Table(
        ("device_id", "customer_id", "platform", "model", "fingerprint", "registered_at", "trusted")
    )
    keys = core["pix_keys"] = Table(("pix_key_id", "account_id", "key_type", "key_value", "registered_at", "status"))
    lim = core["transaction_limits"] = Table(
        ("customer_id", "daily_limit", "per_transaction_limit", "nightly_limit", "updated_at")
    )
    customers_rows = {r[0]: r for r in core["customers"].rows}
    extra_devices = max(0, _n("devices", scale) - len(customers))
    extra_keys = max(0, _n("pix_keys", scale) - len(customers))
    models = {
        "android": ("Samsung Galaxy A54", "Motorola Moto G84", "Xiaomi Redmi Note 13"),
        "ios": ("iPhone 13", "iPhone 15"),
        "web": ("Chrome", "Firefox", "Safari"),
    }
    account_id = device_id = key_id = 0
    for c in customers:
        opened = datetime.combine(c.signup, time(9), BRT).astimezone(UTC) + timedelta(minutes=s.rng.randrange(600))
        account_id += 1
        kind = "payment" if s.rng.random() < 0.25 else "checking"
        acc.rows.append(
            (account_id, c.id, "0001", f"{account_id:08d}-{account_id % 7}", kind, opened, "active", opened)
        )
        c.account_id, c.opened_at = account_id, opened
        if s.rng.random() < 0.12:
            account_id += 1
            acc.rows.append(
                (account_id, c.id, "0001", f"{account_id:08d}-{account_id % 7}", "savings", opened, "active", opened)
            )
        n_dev = 1 + (1 if s.rng.random() < extra_devices / len(customers) else 0)
        for i in range(n_dev):
            device_id += 1
            platform = s.weighted(("android", "ios", "web"), (70, 22, 8))
            at = opened + timedelta(days=i * s.rng.randrange(30, 400))
            at = min(at, datetime.combine(s.as_of, time(0), BRT).astimezone(UTC))
            dev.rows.append((device_id, c.id, platform, s.rng.choice(models[platform]), s.uuid(), at, True))
            c.devices.append((device_id, at))
        phone, email = customers_rows[c.id][5], customers_rows[c.id][4]
        first = s.weighted(("cpf", "phone", "email", "random"), (55, 25, 10, 10))
        types = [first]
        if s.rng.random() < extra_keys / len(customers):
            types.append(s.rng.choice([t for t in ("cpf", "phone", "email", "random") if t != first]))
        for kt in types:
            key_id += 1
            value = {"cpf": c.cpf, "phone": phone, "email": email}.get(kt) or str(s.uuid())
            keys.rows.append((key_id, c.account_id, kt, value, opened + timedelta(hours=1), "active"))
            c.keys.append(value)
        lo, hi = d.INCOME_BANDS[c.income][2]
        per_tx = round(s.rng.uniform(lo, hi), -2)
        c.per_tx_limit = per_tx
        lim.rows.append((c.id, money(per_tx * s.rng.choice((2, 3, 5))), money(per_tx), money(1000), opened))


def _auth_events(s: Sampler, customers: list[Customer], n: int, core: dict[str, Table]) -> None:
    t = core["auth_events"] = Table(
        ("auth_event_id", "customer_id", "device_id", "occurred_at", "method", "success", "ip")
    )
    weights = list(itertools.accumulate(c.activity for c in customers))
    for i in range(1, n + 1):
        c = customers[bisect.bisect(weights, s.rng.random() * weights[-1])]
        at = s.moment(WINDOW_DAYS, d.HOURLY_PIX, not_before=c.opened_at)
        dev = max((dv for dv in c.devices if dv[1] <= at), key=lambda dv: dv[1], default=c.devices[0])
        method = s.weighted(("biometric", "password", "token", "otp"), (55, 30, 10, 5))
        ip = (
            f"{s.rng.choice((177, 179, 187, 189, 191, 200, 201))}.{s.rng.randrange(256)}.{s.rng.randrange(256)}."
            f"{s.rng.randrange(1, 255)}"
        )
        t.rows.append((i, c.id, dev[0], at, method, s.rng.random() < 0.96, ip))


def _merchants_terminals(s: Sampler, fake: Faker, scale: float, acq: dict[str, Table]) -> list[tuple]:
    m = acq["merchants"] = Table(
        (
            "merchant_id",
            "cnpj",
            "legal_name",
            "trade_name",
            "mcc",
            "category",
            "city",
            "uf",
            "created_at",
            "status",
            "updated_at",
        )
    )
    t = acq["terminals"] = Table(
        ("terminal_id", "merchant_id", "serial_number", "model", "installed_at", "status", "updated_at")
    )
    cats = list(d.MERCHANT_CATEGORIES)
    cat_w = [v[1] for v in d.MERCHANT_CATEGORIES.values()]
    ufs, uf_w = list(d.UFS), [v[0] for v in d.UFS.values()]
    merchants = []
    seen: set[str] = set()
    n_terminals = _n("terminals", scale)
    n_merchants = _n("merchants", scale)
    terminal_id = 0
    for mid in range(1, n_merchants + 1):
        created = s.date_between(s.as_of - timedelta(days=3 * 365), s.as_of - timedelta(days=7))
        alnum = created >= ALNUM_CNPJ_FROM and s.rng.random() < 0.6
        cnpj = random_cnpj(s.rng, alphanumeric=alnum)
        while cnpj in seen:
            cnpj = random_cnpj(s.rng, alphanumeric=alnum)
        seen.add(cnpj)
        cat = s.weighted(cats, cat_w)
        uf = s.weighted(ufs, uf_w)
        company = fake.company()
        created_at = datetime.combine(created, time(10), BRT).astimezone(UTC)
        status = "active" if s.rng.random() < 0.95 else "suspended"
        m.rows.append(
            (
                mid,
                cnpj,
                f"{company} LTDA",
                company,
                d.MERCHANT_CATEGORIES[cat][0],
                cat,
                s.rng.choice(d.UFS[uf][1]),
                uf,
                created_at,
                status,
                created_at,
            )
        )
        size = s.lognormal(1.0, 1.0)  # a few big merchants take most of the volume
        terminals = []
        for _ in range(max(1, round(n_terminals / n_merchants * min(size, 4)))):
            terminal_id += 1
            installed = created_at + timedelta(days=s.rng.randrange(1, 30))
            t.rows.append(
                (
                    terminal_id,
                    mid,
                    f"T{terminal_id:011d}",
                    s.rng.choice(d.TERMINAL_MODELS),
                    installed,
                    "active",
                    installed,
                )
            )
            terminals.append((terminal_id, installed))
        merchants.append((mid, cat, uf, size, terminals, company))
    return merchants


def _pos_transactions(s: Sampler, merchants: list[tuple], n: int, acq: dict[str, Table]) -> None:
    t = acq["pos_transactions"] = Table(
        (
            "pos_tx_id",
            "terminal_id",
            "merchant_id",
            "card_brand",
            "card_bin",
            "card_last4",
            "payment_type",
            "installments",
            "entry_mode",
            "amount",
            "authorized_at",
            "status",
            "decline_reason",
            "authorization_code",
        )
    )
    weights = list(itertools.accumulate(m[3] for m in merchants))
    brands = list(d.CARD_BRANDS)
    for i in range(1, n + 1):
        mid, cat, _uf, _size, terminals, _name = merchants[bisect.bisect(weights, s.rng.random() * weights[-1])]
        terminal_id, installed = s.rng.choice(terminals)
        at = s.moment(WINDOW_DAYS, d.HOURLY_POS, not_before=installed.astimezone(BRT))
        brand = s.weighted(brands, (40, 36, 16, 4, 4))
        credit = s.rng.random() < 0.55
        inst = 1 if not credit or s.rng.random() < 0.7 else s.rng.randint(2, 12)
        approved = s.rng.random() < 0.92
        amount = money(s.lognormal(d.MERCHANT_CATEGORIES[cat][2], 0.9))
        code = "".join(s.rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", k=6)) if approved else None
        t.rows.append(
            (
                i,
                terminal_id,
                mid,
                brand,
                s.rng.choice(d.CARD_BRANDS[brand]),
                f"{s.rng.randrange(10**4):04d}",
                "credit" if credit else "debit",
                inst,
                s.weighted(("contactless", "chip", "magstripe", "manual"), (55, 38, 2, 5)),
                amount,
                at,
                "approved" if approved else "declined",
                None if approved else s.rng.choice(d.CARD_DECLINES),
                code,
            )
        )


def _pix_and_fraud(s: Sampler, customers: list[Customer], n: int, core: dict[str, Table]) -> None:
    t = core["pix_transfers"] = Table(
        (
            "transfer_id",
            "end_to_end_id",
            "payer_account_id",
            "payee_key",
            "payee_account_id",
            "payee_ispb",
            "amount",
            "created_at",
            "device_id",
            "channel",
            "status",
        )
    )
    fraud = core["fraud_cases"] = Table(
        ("fraud_case_id", "transfer_id", "card_tx_id", "fraud_type", "amount", "detected_at", "status")
    )
    weights = list(itertools.accumulate(c.activity for c in customers))
    n_fraud = round(n * FRAUD_SHARE_PIX)
    recent = [c for c in customers if c.opened_at and (s.end - c.opened_at).days < 120]
    mules = s.rng.sample(recent or customers, k=min(len(recent or customers), max(3, n_fraud // 12)))
    ids = itertools.count(1)
    pending_device: list[tuple] = []

    def e2e(at: datetime, tid: int) -> str:
        return f"E{d.OWN_ISPB}{at:%Y%m%d%H%M}{tid:011d}"[:32].ljust(32, "0")

    def device_at(c: Customer, at: datetime) -> int:
        return max((dv for dv in c.devices if dv[1] <= at), key=lambda dv: dv[1], default=c.devices[0])[0]

    def add(payer: Customer, payee: Customer | None, amount: float, at: datetime, device: int, status: str) -> int:
        tid = next(ids)
        if payee is not None:
            key, payee_acc, ispb = s.rng.choice(payee.keys), payee.account_id, d.OWN_ISPB
        else:
            key, payee_acc, ispb = str(s.uuid()), None, s.rng.choice(d.OTHER_ISPBS)
        t.rows.append(
            (
                tid,
                e2e(at, tid),
                payer.account_id,
                key,
                payee_acc,
                ispb,
                money(amount),
                at,
                device,
                s.weighted(("app", "web", "api"), (88, 8, 4)),
                status,
            )
        )
        return tid

    def label(tid: int, kind: str, amount: float, at: datetime) -> None:
        # Detection takes hours to weeks (median ~1.5 days); frauds too recent to be caught stay unlabelled.
        detected = at + timedelta(hours=min(s.lognormal(36, 1.1), 24 * 60))
        if detected <= s.end:
            fraud.rows.append(
                (
                    len(fraud.rows) + 1,
                    tid,
                    None,
                    kind,
                    money(amount),
                    detected,
                    s.weighted(("confirmed", "reimbursed"), (70, 30)),
                )
            )

    for _ in range(n - n_fraud):
        payer = customers[bisect.bisect(weights, s.rng.random() * weights[-1])]
        at = s.moment(WINDOW_DAYS, d.HOURLY_PIX, not_before=payer.account_opened.astimezone(BRT))
        internal = s.rng.random() < 0.35
        payee = customers[bisect.bisect(weights, s.rng.random() * weights[-1])] if internal else None
        if payee is payer:
            payee = None
        amount = min(s.lognormal(85, 1.3), payer.per_tx_limit)
        status = s.weighted(("completed", "rejected", "returned"), (980, 15, 5))
        add(payer, payee, amount, at, device_at(payer, at), status)

    kinds = list(FRAUD_PATTERNS)
    made = 0
    while made < n_fraud:
        kind = s.weighted(kinds, list(FRAUD_PATTERNS.values()))
        mule = s.rng.choice(mules)
        if kind == "account_takeover":
            victim = customers[bisect.bisect(weights, s.rng.random() * weights[-1])]
            at = s.moment(WINDOW_DAYS, d.HOURLY_PIX, not_before=victim.account_opened.astimezone(BRT))
            # The fraudster enrols a new, untrusted device minutes before emptying the account.
            new_device = (
                len(core["devices"].rows) + len(pending_device) + 1,
                at - timedelta(minutes=s.rng.randint(3, 90)),
            )
            pending_device.append(
                (new_device[0], victim.id, "android", "Generic Android", s.uuid(), new_device[1], False)
            )
            victim.devices.append(new_device)
            amount = victim.per_tx_limit * s.rng.uniform(0.6, 1.0)
            label(add(victim, mule, amount, at, new_device[0], "completed"), kind, amount, at)
            made += 1
        elif kind == "mule_account":
            at0 = s.moment(WINDOW_DAYS, d.HOURLY_PIX, not_before=mule.account_opened.astimezone(BRT))
            for _ in range(min(s.rng.randint(3, 8), n_fraud - made)):
                payer = customers[bisect.bisect(weights, s.rng.random() * weights[-1])]
                at = max(at0 + timedelta(minutes=s.rng.randint(1, 240)), payer.account_opened)
                amount = min(s.lognormal(600, 0.6), payer.per_tx_limit)
                label(add(payer, mule, amount, at, device_at(payer, at), "completed"), kind, amount, at)
                made += 1
        elif kind == "limit_burst":
            payer = customers[bisect.bisect(weights, s.rng.random() * weights[-1])]
            at0 = s.moment(WINDOW_DAYS, d.HOURLY_PIX, not_before=payer.account_opened.astimezone(BRT))
            for k in range(min(s.rng.randint(3, 6), n_fraud - made)):
                at = at0 + timedelta(minutes=2 * k, seconds=s.rng.randint(0, 90))
                amount = payer.per_tx_limit * s.rng.uniform(0.95, 0.999)
                label(add(payer, mule, amount, at, device_at(payer, at), "completed"), kind, amount, at)
                made += 1
        else:  # a large transfer at night from an account opened days ago
            payer = s.rng.choice(recent or customers)
            night = datetime.combine(s.as_of - timedelta(days=s.rng.randrange(WINDOW_DAYS)), time(23), BRT)
            at = max(night + timedelta(minutes=s.rng.randint(0, 300)), payer.account_opened).astimezone(UTC)
            if at > s.end:
                continue
            amount = max(1000.0, payer.per_tx_limit) * s.rng.uniform(0.8, 1.0)
            label(add(payer, None, amount, at, device_at(payer, at), "completed"), kind, amount, at)
            made += 1
    core["devices"].rows.extend(pending_device)
    t.rows.sort(key=lambda r: (r[7], r[0]))


def _card_transactions(
    s: Sampler, customers: list[Customer], merchants: list[tuple], n: int, core: dict[str, Table]
) -> None:
    t = core["card_transactions"] = Table(
        (
            "card_tx_id",
            "account_id",
            "card_last4",
            "merchant_name",
            "mcc",
            "merchant_uf",
            "amount",
            "authorized_at",
            "status",
            "decline_reason",
        )
    )
    fraud = core["fraud_cases"]
    weights = list(itertools.accumulate(c.activity for c in customers))
    mweights = list(itertools.accumulate(m[3] for m in merchants))
    for i in range(1, n + 1):
        c = customers[bisect.bisect(weights, s.rng.random() * weights[-1])]
        _mid, cat, uf, _size, _terms, name = merchants[bisect.bisect(mweights, s.rng.random() * mweights[-1])]
        at = s.moment(WINDOW_DAYS, d.HOURLY_POS, not_before=c.account_opened.astimezone(BRT))
        approved = s.rng.random() < 0.93
        amount = s.lognormal(d.MERCHANT_CATEGORIES[cat][2] * 0.8, 0.9)
        t.rows.append(
            (
                i,
                c.account_id,
                f"{c.id % 10000:04d}",
                name,
                d.MERCHANT_CATEGORIES[cat][0],
                uf,
                money(amount),
                at,
                "approved" if approved else "declined",
                None if approved else s.rng.choice(d.CARD_DECLINES),
            )
        )
        if approved and s.rng.random() < FRAUD_SHARE_CARD:
            detected = at + timedelta(hours=min(s.lognormal(72, 1.0), 24 * 60))
            if detected <= s.end:
                fraud.rows.append(
                    (
                        len(fraud.rows) + 1,
                        None,
                        i,
                        s.weighted(("card_cloning", "card_not_present"), (40, 60)),
                        money(amount),
                        detected,
                        "confirmed",
                    )
                )


def _credit(s: Sampler, customers: list[Customer], n: int, core: dict[str, Table]) -> None:
    apps = core["credit_applications"] = Table(
        (
            "application_id",
            "customer_id",
            "product",
            "requested_amount",
            "term_months",
            "applied_at",
            "decision",
            "decided_at",
            "denial_reason",
        )
    )
    contracts = core["loan_contracts"] = Table(
        (
            "contract_id",
            "customer_id",
            "application_id",
            "product",
            "principal",
            "monthly_rate",
            "term_months",
            "disbursed_on",
            "status",
            "closed_on",
            "updated_at",
        )
    )
    inst = core["installments"] = Table(
        ("installment_id", "contract_id", "number", "due_date", "amount", "paid_on", "paid_amount")
    )
    pays = core["loan_payments"] = Table(("payment_id", "installment_id", "paid_at", "amount", "channel"))
    acts = core["collection_actions"] = Table(("action_id", "contract_id", "action_type", "performed_at", "outcome"))
    renegs = core["renegotiations"] = Table(
        ("renegotiation_id", "original_contract_id", "new_contract_id", "renegotiated_on", "outstanding_amount")
    )
    products = list(d.PRODUCTS)
    prod_w = [v[0] for v in d.PRODUCTS.values()]
    age_factor = {band: v[2] for band, v in d.AGE_BANDS.items()}
    start = s.as_of - timedelta(days=CREDIT_MONTHS * 30)
    contract_ids = itertools.count(1)
    inst_ids = itertools.count(1)

    def band_of(age: int) -> str:
        return next(b for b, v in d.AGE_BANDS.items() if v[1][0] <= age <= v[1][1])

    def book(c: Customer, app_id: int | None, product: str, principal: float, term: int, on: date, risk: float) -> int:
        _share, _median, _terms, rate, base = d.PRODUCTS[product]
        cid = next(contract_ids)
        pmt = principal * rate / (1 - (1 + rate) ** -term)
        dues = [_add_months(on, k) for k in range(1, term + 1)]
        p_default = min(0.9, base * risk)
        stop = None
        if s.rng.random() < p_default:
            due_so_far = sum(1 for x in dues if x <= s.as_of)
            stop = s.rng.randint(1, max(1, due_so_far)) if due_so_far else None
        reneg_on = None
        if stop is not None and s.rng.random() < 0.18 and product in ("personal", "card_revolving", "overdraft"):
            reneg_on = dues[stop - 1] + timedelta(days=s.rng.randint(35, 120))
            if reneg_on > s.as_of:
                reneg_on = None
        recovered_on = None
        if stop is not None and reneg_on is None and s.rng.random() < 0.28:
            recovered_on = dues[stop - 1] + timedelta(days=s.rng.randint(95, 200))
            if recovered_on > s.as_of:
                recovered_on = None
        status, closed = "active", None
        last_paid: date | None = None
        rows_before = len(inst.rows)
        for k, due in enumerate(dues, start=1):
            if reneg_on and due > reneg_on:
                break
            iid = next(inst_ids)
            amount = money(pmt)
            paid_on = None
            if due <= s.as_of and (stop is None or k < stop):
                late = s.rng.randint(1, 40) if s.rng.random() < 0.1 else 0
                paid_on = min(due + timedelta(days=late - s.rng.randint(0, 5)), s.as_of)
            elif stop is not None and k >= stop and due <= s.as_of:
                if recovered_on and due <= recovered_on:
                    paid_on = recovered_on
                elif recovered_on and due > recovered_on:
                    paid_on = due
            if reneg_on and paid_on is None and due <= reneg_on:
                inst.rows.append((iid, cid, k, due, amount, reneg_on, amount))  # settled by the renegotiation
                continue
            inst.rows.append((iid, cid, k, due, amount, paid_on, amount if paid_on else Decimal("0.00")))
            if paid_on:
                last_paid = max(last_paid or paid_on, paid_on)
                channel = "payroll" if product == "consignado" else s.weighted(("boleto", "pix", "debit"), (35, 45, 20))
                paid_at = datetime.combine(paid_on, time(s.rng.randint(8, 20)), BRT).astimezone(UTC)
                pays.rows.append((len(pays.rows) + 1, iid, paid_at, amount, channel))
        if stop is not None:
            first_miss = dues[stop - 1]
            for j, delta in enumerate((15, 35, 65, 95)):
                when = first_miss + timedelta(days=delta)
                if when > s.as_of or (recovered_on and when > recovered_on) or (reneg_on and when > reneg_on):
                    break
                outcome = (
                    "paid"
                    if recovered_on and j == 3
                    else s.weighted(("no_contact", "promise", "refused"), (50, 35, 15))
                )
                acts.rows.append(
                    (
                        len(acts.rows) + 1,
                        cid,
                        ("sms", "call", "letter", "negativation")[j],
                        datetime.combine(when, time(11), BRT).astimezone(UTC),
                        outcome,
                    )
                )
            if recovered_on is None and reneg_on is None and (s.as_of - first_miss).days > 360:
                status, closed = "written_off", first_miss + timedelta(days=360)
        paid_all = all(r[5] is not None for r in inst.rows[rows_before:])
        if reneg_on:
            status, closed = "renegotiated", reneg_on
        elif status == "active" and paid_all and dues[-1] <= s.as_of:
            status, closed = "settled", last_paid
        updated = datetime.combine(closed or on, time(18), BRT).astimezone(UTC)
        contracts.rows.append(
            (cid, c.id, app_id, product, money(principal), Decimal(f"{rate:.6f}"), term, on, status, closed, updated)
        )
        if reneg_on:
            outstanding = sum(float(r[4]) for r in inst.rows[rows_before:] if r[5] == reneg_on) + pmt * 2
            new_cid = book(c, None, product, outstanding, min(term * 2, 48), reneg_on, risk * 1.4)
            renegs.rows.append((len(renegs.rows) + 1, cid, new_cid, reneg_on, money(outstanding)))
        return cid

    for app_id in range(1, n + 1):
        c = s.rng.choice(customers)
        product = s.weighted(products, prod_w)
        _share, median, (tmin, tmax), _rate, _base = d.PRODUCTS[product]
        amount = s.lognormal(median, 0.6)
        term = s.rng.randint(tmin, tmax)
        applied = s.date_between(max(start, c.signup), s.as_of)
        applied_at = datetime.combine(applied, time(s.rng.randint(8, 21)), BRT).astimezone(UTC)
        band_factor = d.INCOME_BANDS[c.income][1]
        risk = band_factor * age_factor[band_of(c.age)] * d.EDUCATION[c.education][1]
        if (s.as_of - applied).days < 3 and s.rng.random() < 0.5:
            apps.rows.append((app_id, c.id, product, money(amount), term, applied_at, "pending", None, None))
            continue
        decided_at = applied_at + timedelta(hours=s.rng.randint(1, 48))
        approved = s.rng.random() < max(0.2, min(0.9, 0.78 - 0.12 * (risk - 1)))
        if not approved:
            apps.rows.append(
                (
                    app_id,
                    c.id,
                    product,
                    money(amount),
                    term,
                    applied_at,
                    "denied",
                    decided_at,
                    s.rng.choice(d.DENIAL_REASONS),
                )
            )
            continue
        apps.rows.append((app_id, c.id, product, money(amount), term, applied_at, "approved", decided_at, None))
        on = decided_at.astimezone(BRT).date()
        if s.rng.random() < 0.01:
            cid = next(contract_ids)
            contracts.rows.append(
                (
                    cid,
                    c.id,
                    app_id,
                    product,
                    money(amount),
                    Decimal("0.010000"),
                    term,
                    on,
                    "cancelled",
                    on + timedelta(days=3),
                    decided_at,
                )
            )
            continue
        book(c, app_id, product, amount, term, on, risk)
    contracts.rows.sort(key=lambda r: r[0])


def _add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    y, m = day.year + y, m + 1
    for dd in (day.day, 28):
        try:
            return date(y, m, dd)
        except ValueError:
            continue
    return date(y, m, 28)


def _bureau(s: Sampler, customers: list[Customer], n: int, core: dict[str, Table]) -> None:
    t = core["bureau_credits"] = Table(
        ("bureau_credit_id", "customer_id", "credit_type", "institution", "amount", "opened_on", "status", "closed_on")
    )
    types = list(d.BUREAU_TYPES)
    tw = [v[0] for v in d.BUREAU_TYPES.values()]
    for i in range(1, n + 1):
        c = s.rng.choice(customers)
        kind = s.weighted(types, tw)
        opened = s.date_between(s.as_of - timedelta(days=8 * 365), s.as_of - timedelta(days=1))
        active = s.rng.random() < 0.6
        closed = None if active else s.date_between(opened, s.as_of)
        t.rows.append(
            (
                i,
                c.id,
                kind,
                s.rng.choice(d.INSTITUTIONS),
                money(s.lognormal(d.BUREAU_TYPES[kind][1], 0.7)),
                opened,
                "active" if active else "closed",
                closed,
            )
        )


def _consents(s: Sampler, customers: list[Customer], n: int, core: dict[str, Table]) -> None:
    t = core["open_finance_consents"] = Table(
        (
            "consent_id",
            "customer_id",
            "recipient_institution",
            "status",
            "created_at",
            "expires_at",
            "revoked_at",
            "updated_at",
        )
    )
    p = core["consent_permissions"] = Table(("consent_id", "permission"))
    for _ in range(n):
        c = s.rng.choice(customers)
        created = s.moment(min(730, max(1, (s.as_of - c.signup).days)), d.HOURLY_PIX)
        expires = created + timedelta(days=365)
        status = s.weighted(("AUTHORISED", "REVOKED", "REJECTED", "AWAITING_AUTHORISATION"), (68, 14, 6, 4))
        if status == "AUTHORISED" and expires.date() < s.as_of:
            status = "EXPIRED"
        revoked = created + timedelta(days=s.rng.randint(1, 200)) if status == "REVOKED" else None
        if revoked and revoked > s.end:
            revoked = s.end.astimezone(UTC)
        cid = s.uuid()
        t.rows.append(
            (cid, c.id, s.rng.choice(d.CONSENT_RECIPIENTS), status, created, expires, revoked, revoked or created)
        )
        perms = ["RESOURCES_READ", *s.rng.sample(d.CONSENT_PERMISSIONS, k=s.rng.randint(2, 6))]
        p.rows.extend((cid, perm) for perm in perms)
