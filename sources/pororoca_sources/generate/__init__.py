"""The initial data set, generated deterministically from (seed, scale, as-of date).

Pure: builds rows in memory and touches no database. Every relationship is built from rows generated
earlier, so referential integrity holds by construction (and the schemas enforce it again)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from faker import Faker

from pororoca_core.errors import UsageError
from pororoca_sources.generate.acquiring import add_merchants_terminals, add_pos_transactions
from pororoca_sources.generate.base import (
    ALNUM_CNPJ_FROM,
    BASE,
    BRT,
    CREDIT_MONTHS,
    FRAUD_PATTERNS,
    FRAUD_SHARE_CARD,
    FRAUD_SHARE_PIX,
    WINDOW_DAYS,
    Customer,
    Dataset,
    Sampler,
    Table,
    count_at,
    money,
)
from pororoca_sources.generate.credit import add_bureau, add_credit_book
from pororoca_sources.generate.open_finance import add_consents
from pororoca_sources.generate.parties import add_accounts_devices_keys_limits, add_auth_events, add_customers
from pororoca_sources.generate.payments import add_card_transactions, add_pix_and_fraud

__all__ = [
    "ALNUM_CNPJ_FROM", "BASE", "BRT", "CREDIT_MONTHS", "FRAUD_PATTERNS", "FRAUD_SHARE_CARD", "FRAUD_SHARE_PIX",
    "WINDOW_DAYS", "Customer", "Dataset", "Table", "generate", "money", "timedelta",
]  # fmt: skip


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
    customers = add_customers(s, fake, count_at("customers", scale), core)
    add_accounts_devices_keys_limits(s, customers, scale, core)
    add_auth_events(s, customers, count_at("auth_events", scale), core)
    merchants = add_merchants_terminals(s, fake, scale, acq)
    add_pos_transactions(s, merchants, count_at("pos_transactions", scale), acq)
    add_pix_and_fraud(s, customers, count_at("pix_transfers", scale), core)
    add_card_transactions(s, customers, merchants, count_at("card_transactions", scale), core)
    add_credit_book(s, customers, count_at("credit_applications", scale), core)
    add_bureau(s, customers, count_at("bureau_credits", scale), core)
    add_consents(s, customers, count_at("open_finance_consents", scale), core)
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
