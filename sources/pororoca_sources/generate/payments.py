"""Pix transfers with the fraud patterns of seed 002, and card transactions at the merchants."""

from __future__ import annotations

import bisect
import itertools
from datetime import UTC, datetime, time, timedelta

from pororoca_sources import domain as d
from pororoca_sources.generate.base import (
    BRT,
    FRAUD_PATTERNS,
    FRAUD_SHARE_CARD,
    FRAUD_SHARE_PIX,
    WINDOW_DAYS,
    Customer,
    Merchant,
    Sampler,
    Table,
    money,
)


def add_pix_and_fraud(s: Sampler, customers: list[Customer], n: int, core: dict[str, Table]) -> None:
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


def add_card_transactions(
    s: Sampler, customers: list[Customer], merchants: list[Merchant], n: int, core: dict[str, Table]
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
    mweights = list(itertools.accumulate(m.size for m in merchants))
    for i in range(1, n + 1):
        c = customers[bisect.bisect(weights, s.rng.random() * weights[-1])]
        merchant = merchants[bisect.bisect(mweights, s.rng.random() * mweights[-1])]
        cat, uf, name = merchant.category, merchant.uf, merchant.name
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
