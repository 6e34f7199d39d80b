"""The offline side of the features: the lake's history replayed through the processor's own stage functions.

Transfers, accounts, devices and authentications come from silver; limits from their bronze change log (silver
holds only each customer's current limits, and a transfer must be judged against the limits of its moment);
labels from `silver.fraud_cases` and from fraud analysts' dispositions of alerts (`gold.fraud_dispositions`). Every
table is read at one recorded Iceberg snapshot, so a training set can be rebuilt exactly (`FOR VERSION AS OF`); a
table without a recorded snapshot (empty then, or unknown to an older run) contributes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from pororoca_fraud import features as ft

TABLES = {
    "transfers": "silver.pix_transfers",
    "accounts": "silver.accounts",
    "devices": "silver.devices",
    "auth": "silver.auth_events",
    "limits": "bronze.core_transaction_limits",
    "labels": "silver.fraud_cases",
    "dispositions": "gold.fraud_dispositions",
}
QUERIES = {
    "transfers": "SELECT transfer_id, created_at, payer_account_id, payee_key_token, amount, device_id, status "
    "FROM {t}",
    "accounts": "SELECT account_id, customer_id, opened_at FROM {t}",
    "devices": "SELECT device_id, customer_id, registered_at, trusted FROM {t}",
    "auth": "SELECT auth_event_id, customer_id, occurred_at, success FROM {t}",
    "limits": "SELECT customer_id, updated_at, per_transaction_limit, daily_limit, nightly_limit FROM {t} "
    "WHERE _op IN ('c', 'r', 'u')",
    "labels": "SELECT transfer_id, fraud_type, detected_at FROM {t} WHERE transfer_id IS NOT NULL",
    "dispositions": "SELECT transfer_id, label, decided_at FROM {t} WHERE transfer_id IS NOT NULL",
}
# A run recorded before dispositions were read has no snapshot for them: it is rebuilt without them.
OPTIONAL = frozenset({"gold.fraud_dispositions"})
CONFIRMED = "confirmed_fraud"  # an analyst's disposition that makes a transfer a fraud
ANALYST_PATTERN = "analyst_confirmed"  # the pattern of a fraud only an analyst's disposition names

Query = Callable[[str], list[tuple]]  # SQL -> rows


@dataclass
class History:
    transfers: list[ft.Transfer] = field(default_factory=list)
    context: list[ft.Context] = field(default_factory=list)
    labels: dict[int, tuple[str, int]] = field(default_factory=dict)  # transfer_id -> (pattern, detected_ms)
    dispositions: dict[int, tuple[str, int]] = field(default_factory=dict)  # transfer_id -> (label, decided_ms)
    snapshots: dict[str, int | None] = field(default_factory=dict)  # table -> Iceberg snapshot id read

    @property
    def labels_as_of_ms(self) -> int | None:
        """The latest detection of a fraud case: how far the labels reach. Dispositions do not move it: an analyst
        judges alerts only, which says nothing about the transfers nobody alerted."""
        return max((d for _, d in self.labels.values()), default=None)

    def label_of(self, transfer_id: int) -> tuple[int, str | None]:
        """(1, pattern) for a fraud, else (0, None). A fraud case outranks an analyst who judged the alert
        legitimate (the case came later, with evidence); an analyst's confirmation labels a fraud no case names."""
        case = self.labels.get(transfer_id)
        if case is not None:
            return 1, case[0]
        disposition = self.dispositions.get(transfer_id)
        if disposition is not None and disposition[0] == CONFIRMED:
            return 1, ANALYST_PATTERN
        return 0, None


def millis(at: datetime) -> int:
    return ft.millis(at)


def current_snapshots(query: Query) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for table in TABLES.values():
        ns, name = table.split(".")
        rows = query(f'SELECT snapshot_id FROM {ns}."{name}$snapshots" ORDER BY committed_at DESC LIMIT 1')
        out[table] = rows[0][0] if rows else None
    return out


def read_history(query: Query, snapshots: dict[str, int | None] | None = None) -> History:
    """Everything the features and labels need, each table at `snapshots` (default: the current ones)."""
    snaps = snapshots or current_snapshots(query)
    h = History(snapshots=snaps)

    def rows(kind: str) -> Iterable[tuple]:
        table = TABLES[kind]
        if not snaps.get(table):
            return []
        return query(QUERIES[kind].format(t=f"{table} FOR VERSION AS OF {snaps[table]}"))

    for tid, created, payer, token, amount, device, status in rows("transfers"):
        h.transfers.append(ft.Transfer(tid, millis(created), payer, token, float(amount), device, status))
    for account_id, customer_id, opened in rows("accounts"):
        apply = partial(ft.account_opened, opened_ms=millis(opened), customer_id=customer_id)
        h.context.append(ft.Context(millis(opened), "payer", account_id, apply))
    for device_id, customer_id, registered, trusted in rows("devices"):
        apply = partial(ft.device_seen, device_id=device_id, registered_ms=millis(registered), trusted=bool(trusted))
        h.context.append(ft.Context(millis(registered), "customer", customer_id, apply))
    for auth_id, customer_id, occurred, success in rows("auth"):
        apply = partial(ft.authenticated, at_ms=millis(occurred), auth_id=auth_id, success=bool(success))
        h.context.append(ft.Context(millis(occurred), "customer", customer_id, apply))
    for customer_id, updated, per_tx, daily, nightly in rows("limits"):
        apply = partial(ft.limits_changed, updated_ms=millis(updated), per_tx=float(per_tx), daily=float(daily),
                        nightly=float(nightly))  # fmt: skip
        h.context.append(ft.Context(millis(updated), "customer", customer_id, apply))
    for tid, pattern, detected in rows("labels"):
        h.labels[tid] = (pattern, millis(detected))
    for tid, label, decided in sorted(rows("dispositions"), key=lambda r: r[2]):
        h.dispositions[tid] = (label, millis(decided))  # the latest decision stands
    return h


def training_rows(h: History) -> list[dict[str, Any]]:
    """One row per transfer: its id, time, features, and label (1 and the pattern when a fraud case names it)."""
    feats = ft.replay(h.transfers, h.context)
    out = []
    for tx in sorted(h.transfers, key=lambda t: t.order):
        label, pattern = h.label_of(tx.transfer_id)
        out.append(
            {
                "transfer_id": tx.transfer_id,
                "created_ms": tx.created_ms,
                **{f: feats[tx.transfer_id].get(f) for f in ft.FEATURES},
                "label": label,
                "pattern": pattern,
            }
        )
    return out
