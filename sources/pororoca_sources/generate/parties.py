"""Customers, their accounts, devices, Pix keys, limits and authentication log (core banking)."""

from __future__ import annotations

import bisect
import itertools
import math
from datetime import UTC, datetime, time, timedelta

from faker import Faker

from pororoca_core.ids import random_cpf, random_mobile
from pororoca_sources import domain as d
from pororoca_sources.generate.base import (
    BRT,
    WINDOW_DAYS,
    Customer,
    Sampler,
    Table,
    ascii_lower,
    count_at,
    money,
)


def add_customers(s: Sampler, fake: Faker, n: int, core: dict[str, Table]) -> list[Customer]:
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


def add_accounts_devices_keys_limits(
    s: Sampler, customers: list[Customer], scale: float, core: dict[str, Table]
) -> None:
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
    extra_devices = max(0, count_at("devices", scale) - len(customers))
    extra_keys = max(0, count_at("pix_keys", scale) - len(customers))
    models = {
        "android": ("Samsung Galaxy A54", "Motorola Moto G84", "Xiaomi Redmi Note 13"),
        "ios": ("iPhone 13", "iPhone 15"),
        "web": ("Chrome", "Firefox", "Safari"),
    }
    account_id = device_id = key_id = 0
    # Pix keys are unique, customers' phones are drawn at random: two customers may share a number (seed 42 has
    # one such pair at scale 1, several at scale 10). The second to claim it as a key gets a random key instead.
    claimed: set[str] = set()
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
            if value in claimed:
                kt, value = "random", str(s.uuid())
            claimed.add(value)
            keys.rows.append((key_id, c.account_id, kt, value, opened + timedelta(hours=1), "active"))
            c.keys.append(value)
        lo, hi = d.INCOME_BANDS[c.income][2]
        per_tx = round(s.rng.uniform(lo, hi), -2)
        c.per_tx_limit = per_tx
        lim.rows.append((c.id, money(per_tx * s.rng.choice((2, 3, 5))), money(per_tx), money(1000), opened))


def add_auth_events(s: Sampler, customers: list[Customer], n: int, core: dict[str, Table]) -> None:
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
