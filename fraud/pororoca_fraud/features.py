"""The fraud features of one Pix transfer: one definition, run by the stream processor (online, on Quix Streams
state) and by training (offline, replaying the lake's change history).

A transfer passes three stages, each keyed by the entity whose history it needs, so that every stage's state is
local to one Kafka partition: the payer's account, the payer's customer (devices, limits, authentications), and
the destination key. Each stage is a pure function of (that key's state, one event): context events update the
state, a transfer reads it and adds its features.

Point in time: a transfer sees only what happened strictly before it. Events are ordered by (event time, id);
every window holds the events with `t - window < time`, ordered before the transfer. Because the features are
computed from what the state holds rather than from arrival order, online and offline agree whenever the
history reached the processor before the transfer did (the change topics carry each source's commits in order).
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# What a model was trained on: a model version tagged with another value expects other features.
FEATURES_VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
WINDOWS = {"1m": 60_000, "1h": 3_600_000, "24h": 86_400_000}
LONGEST = max(WINDOWS.values())
# Per key and window list: a key busier than this in 24 h keeps only its newest events (its 24 h counts saturate
# here). A key's whole list is (de)serialised on each of its transfers: at 5,000, one busy destination key took a
# fifth of the processor's time at 1,000 transfers/s (bench-fraud).
MAX_EVENTS = 1_000
LIMIT_VERSIONS = 20  # limit changes remembered per customer

State = dict[str, Any]  # one key's state: JSON-serialisable (Quix Streams stores it in RocksDB + changelog)

FEATURES = (
    "amount",
    "hour_sp",
    "payer_count_1m",
    "payer_count_1h",
    "payer_count_24h",
    "payer_sum_1m",
    "payer_sum_1h",
    "payer_sum_24h",
    "account_age_days",
    "first_time_payee",
    "device_known",
    "device_trusted",
    "device_age_hours",
    "device_count_1m",
    "device_count_1h",
    "device_count_24h",
    "device_sum_1h",
    "amount_to_tx_limit",
    "day_sum_to_daily_limit",
    "amount_to_nightly_limit",
    "failed_auth_1h",
    "payee_count_1m",
    "payee_count_1h",
    "payee_count_24h",
    "payee_sum_1h",
    "payee_distinct_payers_1h",
)


def millis(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def from_millis(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


@dataclass(frozen=True)
class Transfer:
    transfer_id: int
    created_ms: int
    payer_account_id: int
    payee_token: str
    amount: float
    device_id: int | None
    status: str

    @property
    def order(self) -> tuple[int, int]:
        return (self.created_ms, self.transfer_id)


def _order(e: list) -> tuple[int, int]:
    return (e[0], e[1])


def _time(e: list) -> int:
    return e[0]


def _window(events: list[list], order: tuple[int, int], width_ms: int) -> list[list]:
    """The events strictly before `order` and inside (t - width, t]; event = [time_ms, id, amount, ...].
    `events` is kept sorted by (time, id), so both edges are binary searches: a busy key (a merchant's Pix key
    receives thousands a day) costs a slice, not a scan."""
    start = bisect_right(events, order[0] - width_ms, key=_time)
    return events[start : bisect_left(events, order, key=_order)]


def _remember(events: list[list], event: list) -> list[list]:
    """Insert once (a replayed change, same id and time, must not count twice), keep time order, drop what no
    window needs."""
    at = bisect_left(events, _order(event), key=_order)
    if at < len(events) and _order(events[at]) == _order(event):
        return events
    merged = [*events[:at], event, *events[at:]]
    oldest = bisect_right(merged, merged[-1][0] - LONGEST, key=_time)
    return merged[max(oldest, len(merged) - MAX_EVENTS) :]


# ---- stage 1: by payer account -------------------------------------------------------------------------


def account_opened(state: State, opened_ms: int, customer_id: int) -> State:
    return {**state, "opened_ms": opened_ms, "customer_id": customer_id}


def payer_features(state: State, tx: Transfer) -> tuple[State, dict[str, Any]]:
    events = state.get("transfers", [])
    out: dict[str, Any] = {}
    for name, width in WINDOWS.items():
        seen = _window(events, tx.order, width)
        out[f"payer_count_{name}"] = len(seen)
        out[f"payer_sum_{name}"] = round(sum(e[2] for e in seen), 2)
    opened = state.get("opened_ms")
    out["account_age_days"] = None if opened is None else round((tx.created_ms - opened) / 86_400_000, 3)
    new_state = {**state, "transfers": _remember(events, [tx.created_ms, tx.transfer_id, tx.amount])}
    return new_state, {**out, "customer_id": state.get("customer_id")}


def first_time_payee(first_paid: list[int] | None, tx: Transfer) -> tuple[bool, list[int] | None]:
    """Has the payer paid this destination before? `first_paid` is the (payer, destination) pair's earliest
    transfer order seen, kept under its own state key (a payer's whole set of destinations would be rewritten
    on every transfer). Returns the answer and the pair's new mark (None: unchanged)."""
    first = tuple(first_paid) if first_paid is not None else None
    answer = first is None or first >= tx.order
    return answer, (list(tx.order) if first is None or first > tx.order else None)


# ---- stage 2: by customer ------------------------------------------------------------------------------


def device_seen(state: State, device_id: int, registered_ms: int, trusted: bool) -> State:
    devices = dict(state.get("devices", {}))
    devices[str(device_id)] = [registered_ms, trusted]
    return {**state, "devices": devices}


def limits_changed(state: State, updated_ms: int, per_tx: float, daily: float, nightly: float) -> State:
    versions = [v for v in state.get("limits", []) if v[0] != updated_ms]
    versions = sorted([*versions, [updated_ms, per_tx, daily, nightly]])[-LIMIT_VERSIONS:]
    return {**state, "limits": versions}


def authenticated(state: State, at_ms: int, auth_id: int, success: bool) -> State:
    if success:
        return state
    return {**state, "failed_auth": _remember(state.get("failed_auth", []), [at_ms, auth_id, 0.0])}


def _ratio(a: float, b: float | None) -> float | None:
    return None if not b else round(a / b, 4)


def is_night(created_ms: int) -> bool:
    """Pix's night period (20:00 to 06:00, Banco Central's rule for the nightly limit), São Paulo time."""
    hour = from_millis(created_ms).astimezone(SAO_PAULO).hour
    return hour >= 20 or hour < 6


def customer_features(state: State, tx: Transfer, payer_sum_24h: float) -> tuple[State, dict[str, Any]]:
    out: dict[str, Any] = {"hour_sp": from_millis(tx.created_ms).astimezone(SAO_PAULO).hour}
    device = state.get("devices", {}).get(str(tx.device_id)) if tx.device_id is not None else None
    # A device registered after the transfer is not known yet at the transfer's time.
    if device is not None and device[0] > tx.created_ms:
        device = None
    out["device_known"] = device is not None
    out["device_trusted"] = bool(device and device[1])
    out["device_age_hours"] = None if device is None else round((tx.created_ms - device[0]) / 3_600_000, 3)
    by_device = state.get("device_transfers", {})
    events = by_device.get(str(tx.device_id), []) if tx.device_id is not None else []
    for name, width in WINDOWS.items():
        out[f"device_count_{name}"] = len(_window(events, tx.order, width))
    out["device_sum_1h"] = round(sum(e[2] for e in _window(events, tx.order, WINDOWS["1h"])), 2)
    limits = [v for v in state.get("limits", []) if v[0] <= tx.created_ms]
    per_tx, daily, nightly = (limits[-1][1], limits[-1][2], limits[-1][3]) if limits else (None, None, None)
    out["amount_to_tx_limit"] = _ratio(tx.amount, per_tx)
    out["day_sum_to_daily_limit"] = _ratio(payer_sum_24h + tx.amount, daily)
    out["amount_to_nightly_limit"] = _ratio(tx.amount, nightly) if is_night(tx.created_ms) else 0.0
    out["failed_auth_1h"] = len(_window(state.get("failed_auth", []), (tx.created_ms, 2**62), WINDOWS["1h"]))
    new_state = dict(state)
    if tx.device_id is not None:
        new_state["device_transfers"] = {
            **by_device,
            str(tx.device_id): _remember(events, [tx.created_ms, tx.transfer_id, tx.amount]),
        }
    return new_state, out


# ---- stage 3: by destination key -----------------------------------------------------------------------


def payee_features(state: State, tx: Transfer) -> tuple[State, dict[str, Any]]:
    events = state.get("transfers", [])
    out: dict[str, Any] = {}
    for name, width in WINDOWS.items():
        out[f"payee_count_{name}"] = len(_window(events, tx.order, width))
    hour = _window(events, tx.order, WINDOWS["1h"])
    out["payee_sum_1h"] = round(sum(e[2] for e in hour), 2)
    out["payee_distinct_payers_1h"] = len({e[3] for e in hour})
    event = [tx.created_ms, tx.transfer_id, tx.amount, tx.payer_account_id]
    return {**state, "transfers": _remember(events, event)}, out


# ---- offline: the same stages over a whole history --------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """One context change, for the offline replay: `apply` updates the state of `stage`'s key `key`."""

    at_ms: int
    stage: str  # "payer" | "customer"
    key: int
    apply: Callable[[State], State]


def replay(transfers: list[Transfer], context: list[Context]) -> dict[int, dict[str, Any]]:
    """Features of every transfer, computed as the processor does when events arrive in time order: one timeline
    of context changes and transfers by event time (a context change first when times are equal)."""
    payer: dict[int, State] = {}
    customer: dict[int, State] = {}
    payee: dict[str, State] = {}
    pairs: dict[tuple[int, str], list[int]] = {}
    timeline: list[tuple[int, int, int, Context | Transfer]] = [(c.at_ms, 0, i, c) for i, c in enumerate(context)]
    timeline += [(t.created_ms, 1, t.transfer_id, t) for t in transfers]
    timeline.sort(key=lambda e: e[:3])
    out: dict[int, dict[str, Any]] = {}
    for *_, item in timeline:
        if isinstance(item, Context):
            store: dict[Any, State] = payer if item.stage == "payer" else customer
            store[item.key] = item.apply(store.get(item.key, {}))
            continue
        tx = item
        s1, f1 = payer_features(payer.get(tx.payer_account_id, {}), tx)
        payer[tx.payer_account_id] = s1
        pair = (tx.payer_account_id, tx.payee_token)
        f1["first_time_payee"], mark = first_time_payee(pairs.get(pair), tx)
        if mark is not None:
            pairs[pair] = mark
        cid = f1.pop("customer_id")
        if cid is not None:
            s2, f2 = customer_features(customer.get(cid, {}), tx, f1["payer_sum_24h"])
            customer[cid] = s2
        else:
            _, f2 = customer_features({}, tx, f1["payer_sum_24h"])
        s3, f3 = payee_features(payee.get(tx.payee_token, {}), tx)
        payee[tx.payee_token] = s3
        out[tx.transfer_id] = {"amount": tx.amount, **f1, **f2, **f3}
    return out
