"""Rows read from a file -> typed rows that honour the contract, and rejects with every reason and the raw text.

Values come as text (CSV, where the contract's decimal comma, thousands separator and date formats apply) or as
native values (JSON, Parquet, Avro, ORC). Timestamps without an offset are local to the feed's time zone and
stored in UTC. Within one file a key appears once: a later duplicate is rejected, naming the first row."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from pororoca_core.ids import is_valid_cnpj, is_valid_cpf
from pororoca_feeds.contract import Column, Feed
from pororoca_feeds.read import RawRow

CHECKS = {"cpf": is_valid_cpf, "cnpj": is_valid_cnpj}
TRUE, FALSE = ("true", "1", "t", "yes", "sim", "s"), ("false", "0", "f", "no", "nao", "não", "n")


@dataclass(frozen=True)
class Reject:
    number: int
    raw: str
    reason: str


@dataclass
class Checked:
    accepted: list[dict[str, Any]] = field(default_factory=list)  # with `_row_number`
    rejects: list[Reject] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.accepted) + len(self.rejects)


class Bad(ValueError):
    pass


def check(feed: Feed, rows: list[RawRow]) -> Checked:
    out = Checked()
    first_of: dict[tuple, int] = {}
    for row in rows:
        reasons = [row.values["__error__"]] if "__error__" in row.values else []
        typed: dict[str, Any] = {}
        if not reasons:
            extra = sorted(set(row.values) - {c.name for c in feed.columns})
            if extra:
                reasons.append(f"unexpected field(s) {', '.join(extra)}")
            for col in feed.columns:
                try:
                    typed[col.name] = value_of(feed, col, row.values.get(col.name))
                except Bad as e:
                    reasons.append(f"{col.name}: {e}")
        if not reasons and feed.keys:
            key = tuple(typed[k] for k in feed.keys)
            if key in first_of:
                reasons.append(f"duplicate key ({', '.join(feed.keys)}) of row {first_of[key]}")
            else:
                first_of[key] = row.number
        if reasons:
            out.rejects.append(Reject(row.number, row.raw, "; ".join(reasons)))
        else:
            out.accepted.append({**typed, "_row_number": row.number})
    return out


def value_of(feed: Feed, col: Column, raw: Any) -> Any:
    """The column's typed value, or `Bad` with the reason; None when absent and allowed to be."""
    if isinstance(raw, str) and feed.format == "csv":
        raw = raw.strip()
    if raw is None or raw == "":
        if col.required:
            raise Bad("required, missing")
        return None
    try:
        value = _convert(feed, col, raw)
    except Bad as e:
        raise Bad(_hide(col, raw, str(e))) from None
    shown = _hide(col, raw, _show(raw))
    if col.allowed and value not in col.allowed:
        raise Bad(f"{shown} is not one of {', '.join(col.allowed)}")
    if col.min is not None and value < col.min:
        raise Bad(f"{shown} is below the minimum {col.min:g}")
    if col.max is not None and value > col.max:
        raise Bad(f"{shown} is above the maximum {col.max:g}")
    if col.check and not CHECKS[col.check](str(value)):
        raise Bad(f"{shown} is not a valid {col.check.upper()} (check digits)")
    return value


def _show(raw: Any) -> str:
    text = str(raw)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _hide(col: Column, raw: Any, text: str) -> str:
    """A reason is read by people the raw line is masked from: it never quotes a personal value."""
    return text.replace(_show(raw), "the value") if col.tags else text


def _convert(feed: Feed, col: Column, raw: Any) -> Any:
    text = isinstance(raw, str)
    kind = "decimal" if col.decimal else col.type
    if kind == "string":
        if not text:
            raise Bad(f"{_show(raw)} is a {type(raw).__name__}, not text")
        return raw
    if kind in ("int", "long"):
        if isinstance(raw, bool) or not (text or isinstance(raw, int)):
            raise Bad(f"{_show(raw)} is not an integer")
        try:
            value = int(raw)
        except ValueError:
            raise Bad(f"{_show(raw)} is not an integer") from None
        bits = 31 if kind == "int" else 63
        if not -(2**bits) <= value < 2**bits:
            raise Bad(f"{_show(raw)} does not fit a {kind}")
        return value
    if kind == "double":
        try:
            number = float(_number_text(feed, raw) if text else raw)
        except (TypeError, ValueError):
            raise Bad(f"{_show(raw)} is not a number") from None
        if not math.isfinite(number):
            raise Bad(f"{_show(raw)} is not a finite number")
        return number
    if kind == "decimal":
        return _decimal(feed, col, raw)
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        if text and raw.lower() in TRUE + FALSE:
            return raw.lower() in TRUE
        raise Bad(f"{_show(raw)} is not true or false")
    if kind == "date":
        if isinstance(raw, datetime):
            raise Bad(f"{_show(raw)} is a timestamp, not a date")
        if isinstance(raw, date):
            return raw
        fmt = feed.csv.date_format if feed.format == "csv" else "%Y-%m-%d"
        try:
            return datetime.strptime(str(raw), fmt).date()
        except ValueError:
            raise Bad(f"{_show(raw)} is not a date ({fmt})") from None
    return _timestamp(feed, raw)


def _number_text(feed: Feed, raw: str) -> str:
    if feed.format != "csv":
        return raw
    if feed.csv.thousands:
        raw = raw.replace(feed.csv.thousands, "")
    return raw.replace(feed.csv.decimal, ".") if feed.csv.decimal != "." else raw


def _decimal(feed: Feed, col: Column, raw: Any) -> Decimal:
    precision, scale = col.decimal or (38, 0)
    if isinstance(raw, (bool, float)):
        # A binary float cannot carry cents exactly: the partner must send decimals as text or decimal.
        raise Bad(f"{_show(raw)} is a floating-point number; send decimals as text or a decimal type")
    try:
        value = Decimal(_number_text(feed, raw) if isinstance(raw, str) else raw)
    except (InvalidOperation, TypeError, ValueError):
        raise Bad(f"{_show(raw)} is not a decimal number") from None
    if not value.is_finite():
        raise Bad(f"{_show(raw)} is not a finite number")
    if value != value.quantize(Decimal(1).scaleb(-scale)):
        raise Bad(f"{_show(raw)} has more than {scale} decimal places")
    value = value.quantize(Decimal(1).scaleb(-scale))
    if len(value.as_tuple().digits) > precision:
        raise Bad(f"{_show(raw)} does not fit decimal({precision},{scale})")
    return value


def _timestamp(feed: Feed, raw: Any) -> datetime:
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, str):
        try:
            value = (
                datetime.strptime(raw, feed.csv.timestamp_format)
                if feed.format == "csv"
                else datetime.fromisoformat(raw.replace("Z", "+00:00"))
            )
        except ValueError:
            try:
                value = datetime.fromisoformat(raw)
            except ValueError:
                raise Bad(f"{_show(raw)} is not a timestamp (ISO 8601)") from None
    else:
        raise Bad(f"{_show(raw)} is not a timestamp")
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(feed.arrival.timezone))
    return value.astimezone(UTC)
