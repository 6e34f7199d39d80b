"""`pororoca sources simulate`: a live workload of inserts, updates and deletes on both source systems at a
target rate of row changes per second, with progress and a final summary.

PostgreSQL takes most of the load (COPY for inserts, one array-driven statement per batch for updates and
deletes, several connections); MariaDB gets POS sales and terminal/merchant updates. The seed steers the
choices; unique identifiers (end-to-end ids, device fingerprints) are random per run so that runs can follow
each other on the same database."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pororoca_core.errors import NotReady, UsageError
from pororoca_core.rows import scalar
from pororoca_sources.connections import Sources
from pororoca_sources.generate import money

USUAL_DEVICES = (
    "SELECT DISTINCT ON (a.account_id) a.account_id, d.device_id FROM accounts a LEFT JOIN devices d "
    "ON d.customer_id = a.customer_id AND d.trusted ORDER BY a.account_id, d.registered_at DESC"
)


def usual_devices(execute: Callable[..., Any]) -> list[tuple[int, int | None]]:
    """(account, the device its customer pays from) for every account, by account id: the customer's latest
    trusted device, as in the loaded history (None: no trusted device). Live workloads send transfers from it: a
    transfer from no known device is itself a fraud signal, so a workload without devices alerts on everything."""
    return [(account, device) for account, device in execute(USUAL_DEVICES).fetchall()]


TICK = 0.2  # seconds between batches
GRACE_DAYS = 5  # an instalment this late is still paid by a customer who pays (the generator's late payers)
# Recoveries per instalment paid. The generator recovers 28% of defaulted contracts, months after the first
# miss; against a book where roughly 0.5% of contracts start defaulting each month, that is one recovery for
# every ~500 instalments paid.
RECOVERY_SHARE = 0.002
# Live Pix transfers that are frauds (the loaded history's rate is ~0.4 %), half account takeovers (a device
# enrolled moments before a transfer near the customer's limit) and half mule fan-in (several payers to one
# new key): the shapes the fraud rules look for, so fraud ops see live alerts.
FRAUD_SHARE = 0.005
MULE_PAYERS = 5  # transfers to one mule key before the next key


@dataclass(frozen=True)
class Mix:
    """Target shares of row changes; each database worker keeps its running totals on these shares."""

    insert: float = 0.75
    update: float = 0.20
    delete: float = 0.05

    def __post_init__(self) -> None:
        if min(self.insert, self.update, self.delete) < 0 or abs(self.insert + self.update + self.delete - 1) > 1e-9:
            raise UsageError("the operation mix must be non-negative shares that sum to 1")


@dataclass
class Tally:
    ops: Counter = field(default_factory=Counter)  # (op, table) -> rows changed
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, op: str, table: str, n: int) -> None:
        with self.lock:
            self.ops[(op, table)] += n

    def by_op(self) -> Counter:
        with self.lock:
            out: Counter = Counter()
            for (op, _t), n in self.ops.items():
                out[op] += n
            return out

    def total(self) -> int:
        return sum(self.by_op().values())


def payments_allowed(total: int, elapsed: float, duration: float) -> int:
    """Instalments paid by now when the run's due window is paid evenly over the run: a month of payments
    compressed into the run, never all in its first seconds (a small book would then be paid off before a capture
    that starts a few seconds in sees a single payment)."""
    return total if elapsed >= duration else int(total * max(0.0, elapsed) / duration)


def _due(share_rate: float, elapsed: float, mix: Mix, done: Counter) -> dict[str, int]:
    target = share_rate * elapsed
    return {op: max(0, int(target * getattr(mix, op)) - done[op]) for op in ("insert", "update", "delete")}


class CoreWorker:
    """One PostgreSQL connection driving its share of the rate."""

    def __init__(self, src: Sources, seed: int, tally: Tally, duration: float, part: int = 0, parts: int = 1):
        # Workers split the rows they update or delete, so no two touch the same row.
        self.conn = src.core(autocommit=True)
        self.rng = random.Random(seed)
        self.tally = tally
        q = self.conn.execute
        self.accounts = [r[0] for r in q("SELECT account_id FROM accounts").fetchall()]
        self.customers = [r[0] for r in q("SELECT customer_id FROM customers").fetchall()]
        self.my_customers = [c for c in self.customers if c % parts == part]
        # Payments follow the generator's risk model: customers pay what falls due (early by up to a month, or a
        # few days late); a contract that stopped paying stays unpaid, except the occasional recovery, which
        # settles everything it owes at once. Paying the oldest instalments first emptied the credit book's
        # defaults within minutes.
        self.due = deque(
            r[0]
            for r in q(
                "SELECT installment_id FROM installments WHERE paid_on IS NULL "
                "AND due_date BETWEEN current_date - %s AND current_date + 30 "
                "AND installment_id %% %s = %s ORDER BY due_date LIMIT 200000",
                (GRACE_DAYS, parts, part),
            ).fetchall()
        )
        self.defaulted = [
            r[0]
            for r in q(
                "SELECT DISTINCT contract_id FROM installments WHERE paid_on IS NULL "
                "AND due_date < current_date - %s AND contract_id %% %s = %s ORDER BY contract_id",
                (GRACE_DAYS, parts, part),
            ).fetchall()
        ]
        self.rng.shuffle(self.defaulted)
        self.duration, self.due_total = duration, len(self.due)
        self.consents = deque(
            r[0]
            for r in q(
                "SELECT consent_id FROM open_finance_consents WHERE status = 'AUTHORISED' "
                "AND abs(hashtext(consent_id::text)) %% %s = %s",
                (parts, part),
            ).fetchall()
        )
        self.new_devices: deque[int] = deque()
        # (account, customer, per-transaction limit): the takeovers' victims, and the cap of a normal transfer.
        self.victims = q(
            "SELECT a.account_id, a.customer_id, l.per_transaction_limit FROM accounts a "
            "JOIN transaction_limits l USING (customer_id)"
        ).fetchall()
        self.limit_of = {account: limit for account, _, limit in self.victims}
        self.mule_key, self.mule_paid = "", MULE_PAYERS
        # Payers take turns (a shuffled round): at a live rate far above the loaded history's, random picks would
        # have the same account pay several times a minute, a burst the fraud model rightly alerts on.
        mine = [a for a in self.accounts if a % parts == part]  # and workers never share a payer
        self.payers = deque(self.rng.sample(mine, len(mine)))
        # People pay from their usual phone: the account's customer's latest trusted device (the loaded history's
        # habit; a transfer from no known device is itself a fraud signal to the model).
        self.device_of: dict[int, int | None] = dict(usual_devices(q))
        if not self.accounts:
            raise NotReady("the core database is empty: run `pororoca sources load` first")
        self.started = time.monotonic()

    def inserts(self, n: int) -> None:
        now = datetime.now(UTC)
        n_dev = n // 10
        n_auth = (n - n_dev) // 3
        n_pix = n - n_dev - n_auth
        rng = self.rng
        with self.conn.cursor() as cur:
            if n_dev:
                with cur.copy(
                    "COPY devices (customer_id, platform, model, fingerprint, registered_at, trusted) FROM STDIN"
                ) as cp:
                    for _ in range(n_dev):
                        cp.write_row(
                            (
                                rng.choice(self.customers),
                                "android",
                                "Samsung Galaxy A15",
                                uuid.uuid4(),
                                now,
                                False,
                            )
                        )
                self.tally.add("insert", "devices", n_dev)
                last = scalar(cur.execute("SELECT currval(pg_get_serial_sequence('devices', 'device_id'))").fetchone())
                self.new_devices.extend(range(last - n_dev + 1, last + 1))
            with cur.copy("COPY auth_events (customer_id, occurred_at, method, success, ip) FROM STDIN") as cp:
                for _ in range(n_auth):
                    cp.write_row(
                        (
                            rng.choice(self.customers),
                            now,
                            "biometric",
                            rng.random() < 0.96,
                            f"189.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                        )
                    )
            self.tally.add("insert", "auth_events", n_auth)
            frauds = [self._fraud(cur, now) for _ in range(sum(rng.random() < FRAUD_SHARE for _ in range(n_pix)))]
            with cur.copy(
                "COPY pix_transfers (end_to_end_id, payer_account_id, payee_key, payee_ispb, amount, created_at, "
                "channel, status, device_id) FROM STDIN"
            ) as cp:
                for payer, key, amount, device in frauds:
                    cp.write_row((f"E13140088{uuid.uuid4().hex}"[:32], payer, key, "60701190", amount, now, "app",
                                  "completed", device))  # fmt: skip
                for _ in range(n_pix - len(frauds)):
                    payer = self._next_payer()
                    cp.write_row(
                        (
                            f"E13140088{uuid.uuid4().hex}"[:32],
                            payer,
                            str(uuid.uuid4()),
                            "60701190",
                            self._amount(payer),
                            now,
                            "app",
                            "completed",
                            self.device_of.get(payer),
                        )
                    )
            self.tally.add("insert", "pix_transfers", n_pix)

    def _amount(self, payer: int) -> Decimal:
        """A normal transfer's amount, within the payer's per-transaction limit (the bank refuses more)."""
        amount, limit = money(self.rng.lognormvariate(4.44, 1.3)), self.limit_of.get(payer)
        return (
            amount
            if limit is None or amount <= limit * Decimal("0.5")
            else money(float(limit) * self.rng.uniform(0.05, 0.5))
        )

    def _next_payer(self) -> int:
        self.payers.rotate(-1)
        return self.payers[-1]

    def _fraud(self, cur, now: datetime) -> tuple[int, str, Decimal, int | None]:
        """One fraudulent transfer (payer, destination key, amount, device); a takeover enrols its device first."""
        rng = self.rng
        if self.victims and rng.random() < 0.5:
            account, customer, limit = rng.choice(self.victims)
            device = scalar(
                cur.execute(
                    "INSERT INTO devices (customer_id, platform, model, fingerprint, registered_at, trusted) "
                    "VALUES (%s, 'android', 'Moto G04', %s, %s, false) RETURNING device_id",
                    (customer, uuid.uuid4(), now),
                ).fetchone()
            )
            self.tally.add("insert", "devices", 1)
            return account, str(uuid.uuid4()), money(float(limit) * rng.uniform(0.6, 0.95)), device
        if self.mule_paid >= MULE_PAYERS:
            self.mule_key, self.mule_paid = f"{uuid.uuid4().hex[:12]}@laranja.example", 0
        self.mule_paid += 1
        payer = self._next_payer()
        return payer, self.mule_key, money(rng.uniform(300, 950)), self.device_of.get(payer)

    def updates(self, n: int) -> None:
        rng = self.rng
        paid = self.due_total - len(self.due)
        allowed = payments_allowed(self.due_total, time.monotonic() - self.started, self.duration) - paid
        n_pay = max(0, min(n // 2, len(self.due), allowed))
        n_lim = n - n_pay
        if n_pay:
            ids = [self.due.popleft() for _ in range(n_pay)]
            r = self.conn.execute(
                "UPDATE installments SET paid_on = current_date, paid_amount = amount "
                "WHERE installment_id = ANY(%s) AND paid_on IS NULL",
                (ids,),
            )
            self.tally.add("update", "installments", r.rowcount)
            recoveries = sum(rng.random() < RECOVERY_SHARE for _ in range(n_pay))
            for _ in range(min(recoveries, len(self.defaulted))):
                r = self.conn.execute(
                    "UPDATE installments SET paid_on = current_date, paid_amount = amount "
                    "WHERE contract_id = %s AND paid_on IS NULL AND due_date <= current_date",
                    (self.defaulted.pop(),),
                )
                self.tally.add("update", "installments", r.rowcount)
        if n_lim:
            ids = sorted(rng.sample(self.my_customers, k=min(n_lim, len(self.my_customers))))
            values = [Decimal(rng.randrange(5, 200) * 100) for _ in ids]
            r = self.conn.execute(
                "UPDATE transaction_limits l SET per_transaction_limit = v.limit_value, updated_at = now() "
                "FROM unnest(%s::bigint[], %s::numeric[]) AS v(customer_id, limit_value) "
                "WHERE l.customer_id = v.customer_id",
                (ids, values),
            )
            self.tally.add("update", "transaction_limits", r.rowcount)

    def deletes(self, n: int) -> None:
        # Devices the customer removed (the ones this run registered), and revoked Open Finance consents:
        # the consent row is kept as REVOKED, its data-sharing permissions are deleted.
        n_dev = min(n, len(self.new_devices))
        if n_dev:
            ids = [self.new_devices.popleft() for _ in range(n_dev)]
            r = self.conn.execute("DELETE FROM devices WHERE device_id = ANY(%s)", (ids,))
            self.tally.add("delete", "devices", r.rowcount)
        left = n - n_dev
        while left > 0 and self.consents:
            cid = self.consents.popleft()
            with self.conn.transaction():
                self.conn.execute(
                    "UPDATE open_finance_consents SET status = 'REVOKED', revoked_at = now(), updated_at = now() "
                    "WHERE consent_id = %s",
                    (cid,),
                )
                r = self.conn.execute("DELETE FROM consent_permissions WHERE consent_id = %s", (cid,))
            self.tally.add("update", "open_finance_consents", 1)
            self.tally.add("delete", "consent_permissions", r.rowcount)
            left -= max(1, r.rowcount)

    def close(self) -> None:
        self.conn.close()


class AcquiringWorker:
    def __init__(self, src: Sources, seed: int, tally: Tally):
        self.conn = src.acquiring()
        self.conn.autocommit(True)
        self.rng = random.Random(seed)
        self.tally = tally
        with self.conn.cursor() as cur:
            cur.execute("SELECT terminal_id, merchant_id FROM terminals")
            self.terminals = list(cur.fetchall())
        if not self.terminals:
            raise NotReady("the acquiring database is empty: run `pororoca sources load` first")

    def inserts(self, n: int) -> None:
        now = datetime.now(UTC).replace(tzinfo=None)
        rng = self.rng
        rows = []
        for _ in range(n):
            terminal, merchant = rng.choice(self.terminals)
            rows.append(
                (
                    terminal,
                    merchant,
                    "Visa",
                    "453211",
                    f"{rng.randrange(10**4):04d}",
                    "debit",
                    1,
                    "contactless",
                    money(rng.lognormvariate(3.8, 0.9)),
                    now,
                    "approved",
                    None,
                    "A1B2C3",
                )
            )
        with self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO pos_transactions (terminal_id, merchant_id, card_brand, card_bin, card_last4, "
                "payment_type, installments, entry_mode, amount, authorized_at, status, decline_reason, "
                "authorization_code) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )
        self.tally.add("insert", "pos_transactions", n)

    def updates(self, n: int) -> None:
        ids = [self.rng.choice(self.terminals)[0] for _ in range(n)]
        with self.conn.cursor() as cur:
            # A terminal reporting in (heartbeat) or switched off/on by the merchant.
            changed = cur.execute(
                "UPDATE terminals SET status = IF(RAND() < 0.02, IF(status = 'active', 'inactive', 'active'), "
                f"status), updated_at = UTC_TIMESTAMP(6) WHERE terminal_id IN ({', '.join(['%s'] * len(ids))})",
                ids,
            )
        self.tally.add("update", "terminals", changed)

    def deletes(self, n: int) -> None:
        pass  # the acquiring system never deletes: its share of deletes is taken by PostgreSQL

    def close(self) -> None:
        self.conn.close()


@dataclass
class Summary:
    rate_target: float
    duration_s: float
    changes: int
    rate_achieved: float
    by_op: dict[str, int]
    by_table: dict[str, int]


def simulate(
    src: Sources,
    rate: float,
    duration: float,
    seed: int = 7,
    mix: Mix | None = None,
    pg_workers: int = 2,
    acquiring_share: float = 0.15,
    say=print,
) -> Summary:
    if rate <= 0 or duration <= 0:
        raise UsageError("--rate and --duration must be positive")
    mix = mix or Mix()
    tally = Tally()
    stop = threading.Event()
    errors: list[BaseException] = []
    pg_share = rate * (1 - acquiring_share) / pg_workers
    # PostgreSQL takes the deletes MariaDB does not do, so the overall mix stays on target.
    pg_delete = mix.delete / (1 - acquiring_share)
    pg_mix = Mix(1 - mix.update - pg_delete, mix.update, pg_delete)
    acq_mix = Mix(mix.insert / (mix.insert + mix.update), mix.update / (mix.insert + mix.update), 0.0)
    workers: list[tuple[CoreWorker | AcquiringWorker, float, Mix]] = [
        (CoreWorker(src, seed + i, tally, duration, i, pg_workers), pg_share, pg_mix) for i in range(pg_workers)
    ]
    if acquiring_share > 0:
        workers.append((AcquiringWorker(src, seed + 100, tally), rate * acquiring_share, acq_mix))

    def run(worker, share: float, wmix: Mix) -> None:
        done: Counter = Counter()
        start = time.monotonic()
        try:
            while not stop.is_set():
                elapsed = min(time.monotonic() - start, duration)
                for op, n in _due(share, elapsed, wmix, done).items():
                    if n:
                        getattr(worker, op + "s")(n)
                        done[op] += n
                if elapsed >= duration:
                    return
                # Sleep to the next tick only: a slow batch is caught up by the next one, not added to.
                time.sleep(max(0.0, TICK - (time.monotonic() - start - elapsed)))
        except BaseException as e:  # surfaced to the caller after the other workers stop
            errors.append(e)
            stop.set()
        finally:
            worker.close()

    threads = [threading.Thread(target=run, args=w, daemon=True) for w in workers]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    next_report = t0 + 5
    try:
        while any(t.is_alive() for t in threads):
            time.sleep(0.2)
            if time.monotonic() >= next_report:
                el = time.monotonic() - t0
                ops = tally.by_op()
                say(
                    f"[{el:5.0f}s] {tally.total():>10,} changes ({tally.total() / el:,.0f}/s)"
                    f"  inserts {ops['insert']:,}  updates {ops['update']:,}  deletes {ops['delete']:,}"
                )
                next_report += 5
    except KeyboardInterrupt:
        stop.set()
        for t in threads:
            t.join()
    if errors:
        raise errors[0]
    elapsed = time.monotonic() - t0
    total = tally.total()
    return Summary(
        rate,
        round(elapsed, 2),
        total,
        round(total / elapsed, 1),
        dict(tally.by_op()),
        {f"{op}:{t}": n for (op, t), n in sorted(tally.ops.items())},
    )
