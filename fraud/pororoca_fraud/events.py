"""Debezium change events (JSON with schemas, as the capture writes them) read into the fields the fraud features
use. Anything that cannot be read raises `Malformed` with the reason: the processor sends it to the dead-letter
topic and counts it; it never stops the stream."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from pororoca_fraud.features import Transfer, millis

TABLES = ("pix_transfers", "accounts", "devices", "transaction_limits", "auth_events")


class Malformed(ValueError):
    """A change event the processor cannot use; the message says why."""


@dataclass(frozen=True)
class Change:
    table: str
    op: str  # c (insert), u (update), r (snapshot read), d (delete)
    row: dict[str, Any]  # the row after the change (before it, for a delete)
    commit_ms: int  # the source's commit time


def parse_json(raw: bytes | None) -> Any:
    """Inputs are read as bytes and parsed here, so a value that is not JSON is a dead letter like any other
    malformed event, not an exception inside the consumer that would stop the processor at the same offset on
    every restart."""
    try:
        return None if raw is None else orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise Malformed(f"not JSON: {e}") from None


def table_of(topic: str) -> str:
    """`core.public.pix_transfers` -> `pix_transfers`."""
    return topic.rsplit(".", 1)[-1]


def read_change(topic: str, value: Any) -> Change | None:
    """The change in one message value; None for a message with nothing to do (a tombstone)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Malformed(f"not a JSON object: {type(value).__name__}")
    payload = value.get("payload", value)
    if not isinstance(payload, dict) or "op" not in payload:
        raise Malformed("no Debezium envelope (payload.op missing)")
    op = payload["op"]
    if op not in ("c", "u", "r", "d"):
        raise Malformed(f"unknown operation {op!r}")
    row = payload.get("before") if op == "d" else payload.get("after")
    if not isinstance(row, dict):
        raise Malformed(f"operation {op!r} without the row")
    source = payload.get("source") or {}
    commit_ms = source.get("ts_ms", payload.get("ts_ms"))
    if not isinstance(commit_ms, int):
        raise Malformed("no commit time (source.ts_ms)")
    return Change(table_of(topic), op, row, commit_ms)


def _field(row: dict[str, Any], name: str) -> Any:
    if row.get(name) is None:
        raise Malformed(f"{name} is missing")
    return row[name]


def _int(row: dict[str, Any], name: str) -> int:
    v = _field(row, name)
    if isinstance(v, bool) or not isinstance(v, int):
        raise Malformed(f"{name} is not an integer: {v!r}")
    return v


def _amount(row: dict[str, Any], name: str) -> float:
    v = _field(row, name)
    try:
        amount = Decimal(str(v))
    except InvalidOperation:
        raise Malformed(f"{name} is not a number: {v!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise Malformed(f"{name} must be a positive amount: {v!r}")
    return float(amount)


def _time_ms(row: dict[str, Any], name: str) -> int:
    v = _field(row, name)
    if isinstance(v, int) and not isinstance(v, bool):  # microseconds (timestamp without time zone)
        return v // 1000
    try:
        return millis(datetime.fromisoformat(str(v).replace("Z", "+00:00")))
    except ValueError:
        raise Malformed(f"{name} is not a timestamp: {v!r}") from None


def transfer(row: dict[str, Any], payee_token: str) -> Transfer:
    device = row.get("device_id")
    if device is not None and (isinstance(device, bool) or not isinstance(device, int)):
        raise Malformed(f"device_id is not an integer: {device!r}")
    return Transfer(
        transfer_id=_int(row, "transfer_id"),
        created_ms=_time_ms(row, "created_at"),
        payer_account_id=_int(row, "payer_account_id"),
        payee_token=payee_token,
        amount=_amount(row, "amount"),
        device_id=device,
        status=str(_field(row, "status")),
    )


def payee_key(row: dict[str, Any]) -> str:
    key = _field(row, "payee_key")
    if not isinstance(key, str) or not key.strip():
        raise Malformed("payee_key is empty")
    return key


@dataclass(frozen=True)
class AccountOpened:
    account_id: int
    customer_id: int
    opened_ms: int


@dataclass(frozen=True)
class DeviceSeen:
    customer_id: int
    device_id: int
    registered_ms: int
    trusted: bool


@dataclass(frozen=True)
class LimitsChanged:
    customer_id: int
    updated_ms: int
    per_tx: float
    daily: float
    nightly: float


@dataclass(frozen=True)
class Authenticated:
    customer_id: int
    auth_id: int
    at_ms: int
    success: bool


def account(row: dict[str, Any]) -> AccountOpened:
    return AccountOpened(_int(row, "account_id"), _int(row, "customer_id"), _time_ms(row, "opened_at"))


def device(row: dict[str, Any]) -> DeviceSeen:
    return DeviceSeen(
        _int(row, "customer_id"), _int(row, "device_id"), _time_ms(row, "registered_at"), bool(row.get("trusted"))
    )


def limits(row: dict[str, Any]) -> LimitsChanged:
    return LimitsChanged(
        _int(row, "customer_id"),
        _time_ms(row, "updated_at"),
        _amount(row, "per_transaction_limit"),
        _amount(row, "daily_limit"),
        _amount(row, "nightly_limit"),
    )


def auth(row: dict[str, Any]) -> Authenticated:
    return Authenticated(
        _int(row, "customer_id"), _int(row, "auth_event_id"), _time_ms(row, "occurred_at"), bool(row.get("success"))
    )
