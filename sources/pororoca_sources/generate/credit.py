"""The credit book: applications, contracts, instalments, payments, collections, renegotiations, bureau data."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from pororoca_sources import domain as d
from pororoca_sources.generate.base import (
    BRT,
    CREDIT_MONTHS,
    Customer,
    Sampler,
    Table,
    money,
)


def add_credit_book(s: Sampler, customers: list[Customer], n: int, core: dict[str, Table]) -> None:
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


def add_bureau(s: Sampler, customers: list[Customer], n: int, core: dict[str, Table]) -> None:
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
