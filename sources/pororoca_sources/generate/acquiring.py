"""Merchants, terminals and card-present sales (the acquiring database)."""

from __future__ import annotations

import bisect
import itertools
from datetime import UTC, datetime, time, timedelta

from faker import Faker

from pororoca_core.ids import random_cnpj
from pororoca_sources import domain as d
from pororoca_sources.generate.base import (
    ALNUM_CNPJ_FROM,
    BRT,
    WINDOW_DAYS,
    Merchant,
    Sampler,
    Table,
    Terminal,
    count_at,
    money,
)


def add_merchants_terminals(s: Sampler, fake: Faker, scale: float, acq: dict[str, Table]) -> list[Merchant]:
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
    n_terminals = count_at("terminals", scale)
    n_merchants = count_at("merchants", scale)
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
        terminals: list[Terminal] = []
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
            terminals.append(Terminal(terminal_id, installed))
        merchants.append(Merchant(mid, cat, uf, size, terminals, company))
    return merchants


def add_pos_transactions(s: Sampler, merchants: list[Merchant], n: int, acq: dict[str, Table]) -> None:
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
    weights = list(itertools.accumulate(m.size for m in merchants))
    brands = list(d.CARD_BRANDS)
    for i in range(1, n + 1):
        merchant = merchants[bisect.bisect(weights, s.rng.random() * weights[-1])]
        mid, cat, terminals = merchant.id, merchant.category, merchant.terminals
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
