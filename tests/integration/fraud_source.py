"""Pix activity committed at the core source for the fraud path's tests: customers of a test's own, transfers."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal

from pororoca_core import lakehouse
from pororoca_core.ids import random_cpf
from pororoca_core.paths import Paths
from pororoca_sources.connections import Sources

from .conftest import poll


def insert_transfer(conn, account: int, key: str, amount, device: int | None = None) -> int:
    row = conn.execute(
        "INSERT INTO pix_transfers (end_to_end_id, payer_account_id, payee_key, payee_ispb, amount, created_at, "
        "device_id, channel, status) VALUES (%s, %s, %s, '60701190', %s, clock_timestamp(), %s, 'app', 'completed') "
        "RETURNING transfer_id",
        (f"E13140088{uuid.uuid4().hex}"[:32], account, key, Decimal(str(amount)).quantize(Decimal("0.01")), device),
    ).fetchone()
    return row[0]


def new_customer(conn, per_tx_limit: int = 2000) -> tuple[int, int, int]:
    """A customer of our own (account opened long ago, limits, a trusted phone): every feature of its transfers
    depends on events this module made, whatever else the test stack holds. Ids are explicit and far above the
    sequences: a reloaded source restarts its identities, and the processor remembers what it saw before.
    (customer, account, device)"""
    tag = uuid.uuid4().int
    ident = 10**12 + tag % 10**12
    customer = conn.execute(
        "INSERT INTO customers (customer_id, cpf, full_name, birth_date, email, phone, street, city, uf, postal_code, "
        "income_band, occupation, education, signup_date, status, updated_at) "
        "VALUES (%s, %s, 'Cliente Teste Fraude', '1990-01-01', "
        "%s, '+5511900000000', 'Rua Teste 1', 'São Paulo', 'SP', '01000000', '5k_10k', 'analista', 'superior', "
        "current_date - 500, 'active', now()) RETURNING customer_id",
        (ident, random_cpf(random.Random(tag)), f"fraude-{tag}@example.com"),
    ).fetchone()[0]
    account = conn.execute(
        "INSERT INTO accounts (account_id, customer_id, branch, number, kind, opened_at, status, updated_at) "
        "VALUES (%s, %s, '0001', %s, 'checking', now() - interval '400 days', 'active', now()) RETURNING account_id",
        (ident, customer, f"T{tag % 10**12}"),
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO transaction_limits (customer_id, daily_limit, per_transaction_limit, nightly_limit, updated_at) "
        "VALUES (%s, %s, %s, 1000, now() - interval '100 days')",
        (customer, per_tx_limit * 5, per_tx_limit),
    )
    device = conn.execute(
        "INSERT INTO devices (device_id, customer_id, platform, model, fingerprint, registered_at, trusted) "
        "VALUES (%s, %s, 'ios', 'iPhone 15', %s, now() - interval '300 days', true) RETURNING device_id",
        (ident, customer, uuid.uuid4()),
    ).fetchone()[0]
    return customer, account, device


OPEN_LIVE_ALERTS = (
    "SELECT count(*) FROM gold.fraud_alerts a WHERE a.live "
    "AND NOT EXISTS (SELECT 1 FROM gold.fraud_dispositions d WHERE d.transfer_id = a.transfer_id)"
)


def ensure_live_alert(paths: Paths) -> None:
    """At least one open alert of a live transfer in gold (the fraud ops dashboard shows them): when there is none,
    a customer of this run bursts transfers near its per-transaction limit until the processor alerts one
    (rule `rajada_no_limite`) and the sink lands it."""
    ep = lakehouse.Endpoints.of(paths)

    def open_alerts() -> int:
        with lakehouse.trino_connection(ep) as conn:
            cur = conn.cursor()
            cur.execute(OPEN_LIVE_ALERTS)
            return int(cur.fetchone()[0])

    if open_alerts():
        return
    with Sources.of(paths).core(autocommit=True) as conn:
        _, account, device = new_customer(conn)

        def alerted() -> bool:
            insert_transfer(conn, account, str(uuid.uuid4()), 1950, device)
            return open_alerts() > 0

        poll(alerted, timeout=180, what="a live alert in gold.fraud_alerts", interval=3)


MONITORED = ("fraud_model_drift", "fraud_model_quality", "fraud_shadow_daily")


def ensure_model_monitoring(paths: Paths, cli) -> None:
    """Rows in every monitoring table of the fraud model (its dashboard compares them with Trino). After the fraud
    module (which runs earlier) one `fraud monitor` suffices; on a stack without a champion and a challenger, two
    trainings on the same data make them (the gate refuses the tie) and a transfer scored in the shadow."""
    ep = lakehouse.Endpoints.of(paths)

    def empty() -> list[str]:
        cli("fraud", "monitor", "--days", "120")
        with lakehouse.trino_connection(ep) as conn:
            cur = conn.cursor()
            out = []
            for table in MONITORED:
                cur.execute(f"SELECT count(*) FROM gold.{table}")
                out += [table] if not cur.fetchone()[0] else []
            return out

    if not empty():
        return
    small = ("--min-frauds", "1", "--label-maturity-days", "0", "--holdout-share", "0.05")
    for _ in range(2):
        cli("fraud", "train", *small)
    with Sources.of(paths).core(autocommit=True) as conn:
        _, account, device = new_customer(conn)

        def shadowed() -> bool:
            insert_transfer(conn, account, str(uuid.uuid4()), 40, device)
            with lakehouse.trino_connection(ep) as lake:
                cur = lake.cursor()
                cur.execute("SELECT count(*) FROM gold.fraud_scores WHERE shadow_model_version IS NOT NULL")
                return bool(cur.fetchone()[0])

        poll(shadowed, timeout=240, what="a transfer scored in the shadow in gold", interval=5)
    assert empty() == [], "the fraud model's monitoring tables stay empty"
