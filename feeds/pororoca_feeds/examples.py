"""Example partner files for each feed, with the errors partners really make, for the demo, tests and bench.

`rows_for` makes good rows (subjects such as CPFs or card transactions may come from the sources, so a feed joins
the lake); `spoil` turns some into the errors seen in practice; `encode` writes them in the feed's format and
conventions; `corrupt` damages the file as a failed transfer does. Deterministic for a seed."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pororoca_core.ids import random_cnpj, random_cpf
from pororoca_feeds.contract import Feed


def rows_for(feed: Feed, n: int, day: date, rng: random.Random, subjects: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """`n` rows that honour the contract. `subjects`: CPFs, CNPJs, e-mails or card transaction ids to use."""
    make = {
        "credit_bureau_scores": _bureau,
        "campaign_events": _campaign,
        "acquirer_settlements": _settlement,
        "card_chargebacks": _chargeback,
    }.get(feed.name)
    if make is None:
        raise ValueError(f"no example rows for feed {feed.name!r}")
    return [make(i, day, rng, subjects) for i in range(n)]


def _pick(subjects: Sequence[Any], i: int, fallback: Any) -> Any:
    return subjects[i % len(subjects)] if subjects else fallback


def _bureau(i: int, day: date, rng: random.Random, subjects: Sequence[Any]) -> dict[str, Any]:
    score = rng.randint(0, 1000)
    return {
        "cpf": _pick(subjects, i, None) or random_cpf(rng),
        "reference_date": day,
        "score": score,
        "risk_band": "EDCBA"[min(4, score // 201)],
        "overdue_debt": Decimal(rng.choice((0, 0, 0, rng.randint(1, 5_000_000)))) / 100,
        "bureau_remarks": rng.choice(("", "", "consulta recente", "restrição baixada", "negativação em análise")),
    }


def _campaign(i: int, day: date, rng: random.Random, subjects: Sequence[Any]) -> dict[str, Any]:
    at = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=rng.randrange(86_400))
    return {
        "event_id": f"evt-{day:%Y%m%d}-{i:07d}",
        "campaign_id": f"cmp-{rng.randint(1, 12):03d}",
        "customer_email": _pick(subjects, i, None) or f"cliente{rng.randrange(10**6)}@example.com.br",
        "channel": rng.choice(("email", "sms", "push")),
        "event_type": rng.choices(("sent", "opened", "clicked", "converted"), (70, 20, 8, 2))[0],
        "occurred_at": at,
    }


def _settlement(i: int, day: date, rng: random.Random, subjects: Sequence[Any]) -> dict[str, Any]:
    gross = Decimal(rng.randint(1_000, 50_000_000)) / 100
    fee = (gross * Decimal("0.0199")).quantize(Decimal("0.01"))
    return {
        "settlement_id": int(f"{day:%Y%m%d}") * 1_000_000 + i,
        "merchant_cnpj": _pick(subjects, i, None) or random_cnpj(rng),
        "settlement_date": day,
        "card_brand": rng.choice(("visa", "mastercard", "elo", "amex", "hipercard")),
        "gross_amount": gross,
        "fee_amount": fee,
        "net_amount": gross - fee,
    }


def _chargeback(i: int, day: date, rng: random.Random, subjects: Sequence[Any]) -> dict[str, Any]:
    at = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=rng.randrange(86_400))
    return {
        "chargeback_id": f"cb-{day:%Y%m%d}-{i:06d}",
        "card_transaction_id": _pick(subjects, i, None) or rng.randrange(1, 10**7),
        "reason_code": rng.choices(
            ("fraud_card_absent", "fraud_card_present", "not_received", "duplicate", "other"), (50, 10, 20, 10, 10)
        )[0],
        "amount": Decimal(rng.randint(500, 500_000)) / 100,
        "opened_at": at,
    }


def spoil(feed: Feed, rows: list[dict[str, Any]], bad: int, rng: random.Random) -> list[int]:
    """Spoil `bad` rows in place (a wrong type, a missing required value, a broken check, a duplicate key, a value
    outside its domain); returns their 1-based row numbers."""
    picked = sorted(rng.sample(range(len(rows)), min(bad, len(rows))))
    # A duplicate copies the key of a row left good: a copy of a spoiled row's key is no duplicate (the checker
    # remembers the keys of accepted rows only), so it would be accepted and the file would have one bad row less.
    original = next((j for j in range(len(rows)) if j not in picked), None)
    required = [c for c in feed.columns if c.required]
    for k, i in enumerate(picked):
        row, kind = rows[i], k % 5
        typed = [c for c in feed.columns if c.type in ("int", "long", "date", "timestamp") or c.decimal]
        if kind == 0 and typed:
            row[typed[0].name] = "n/d"
        elif kind == 1:
            row[required[-1].name] = None
        elif kind == 2 and any(c.check for c in feed.columns):
            checked = next(c for c in feed.columns if c.check)
            value = str(row[checked.name])
            row[checked.name] = value[:-1] + str((int(value[-1]) + 1) % 10) if value[-1].isdigit() else value + "0"
        elif kind in (2, 3) and feed.keys and original is not None and original < i:
            for key in feed.keys:
                row[key] = rows[original][key]
        else:
            domain = next((c for c in feed.columns if c.allowed), None)
            if domain is not None:
                row[domain.name] = "???"
            else:
                row[required[0].name] = None
    return [i + 1 for i in picked]


def encode(feed: Feed, rows: list[dict[str, Any]]) -> bytes:
    return {"csv": _csv, "jsonl": _jsonl, "parquet": _parquet, "orc": _orc, "avro": _avro}[feed.format](feed, rows)


def _text(feed: Feed, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        opts = feed.csv
        whole, _, cents = f"{value:,.2f}".partition(".")
        return whole.replace(",", opts.thousands) + opts.decimal + cents
    if isinstance(value, datetime):
        return value.strftime(feed.csv.timestamp_format)
    if isinstance(value, date):
        return value.strftime(feed.csv.date_format)
    return str(value)


def _csv(feed: Feed, rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=feed.csv.delimiter, lineterminator="\r\n")
    writer.writerow([c.name for c in feed.columns])
    for row in rows:
        writer.writerow([_text(feed, row[c.name]) for c in feed.columns])
    return out.getvalue().encode(feed.csv.encoding)


def _jsonl(feed: Feed, rows: list[dict[str, Any]]) -> bytes:
    def plain(v: Any) -> Any:
        if isinstance(v, Decimal):
            return str(v)
        return v.isoformat() if isinstance(v, date) else v

    return "".join(json.dumps({k: plain(v) for k, v in r.items()}, ensure_ascii=False) + "\n" for r in rows).encode()


def _arrow_table(feed: Feed, rows: list[dict[str, Any]]) -> Any:
    """Spoiled values (text in a number column) are written as text columns, as a careless exporter would."""
    import pyarrow as pa

    columns = {}
    for c in feed.columns:
        values = [r[c.name] for r in rows]
        try:
            columns[c.name] = pa.array(values, type=_arrow_type(c.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            columns[c.name] = pa.array([None if v is None else str(v) for v in values], type=pa.string())
    return pa.table(columns)


def _arrow_type(kind: str) -> Any:
    import pyarrow as pa

    if kind.startswith("decimal"):
        p, s = kind[8:-1].split(",")
        return pa.decimal128(int(p), int(s))
    return {
        "string": pa.string(), "int": pa.int32(), "long": pa.int64(), "double": pa.float64(),
        "boolean": pa.bool_(), "date": pa.date32(), "timestamp": pa.timestamp("us", tz="UTC"),
    }[kind]  # fmt: skip


def _parquet(feed: Feed, rows: list[dict[str, Any]]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(_arrow_table(feed, rows), sink)
    return sink.getvalue().to_pybytes()


def _orc(feed: Feed, rows: list[dict[str, Any]]) -> bytes:
    import pyarrow as pa
    import pyarrow.orc as po

    sink = pa.BufferOutputStream()
    po.write_table(_arrow_table(feed, rows), sink)
    return sink.getvalue().to_pybytes()


def _avro(feed: Feed, rows: list[dict[str, Any]]) -> bytes:
    import fastavro

    as_text = {
        c.name for c in feed.columns if any(r[c.name] is not None and not _fits(c.type, r[c.name]) for r in rows)
    }
    fields = [{"name": c.name, "type": ["null", "string" if c.name in as_text else _avro_type(c.type)]}
              for c in feed.columns]  # fmt: skip
    schema = {"type": "record", "name": feed.name, "fields": fields}
    records = [{k: str(v) if k in as_text and v is not None else v for k, v in r.items()} for r in rows]
    out = io.BytesIO()
    fastavro.writer(out, fastavro.parse_schema(schema), records)
    return out.getvalue()


def _fits(kind: str, value: Any) -> bool:
    if kind.startswith("decimal"):
        return isinstance(value, Decimal)
    return isinstance(value, {"string": str, "int": int, "long": int, "double": float, "boolean": bool,
                              "date": date, "timestamp": datetime}[kind])  # fmt: skip


def _avro_type(kind: str) -> Any:
    if kind.startswith("decimal"):
        p, s = kind[8:-1].split(",")
        return {"type": "bytes", "logicalType": "decimal", "precision": int(p), "scale": int(s)}
    return {
        "string": "string", "int": "int", "long": "long", "double": "double", "boolean": "boolean",
        "date": {"type": "int", "logicalType": "date"},
        "timestamp": {"type": "long", "logicalType": "timestamp-micros"},
    }[kind]  # fmt: skip


@dataclass(frozen=True)
class ExampleFile:
    rows: int
    spoiled: list[int]  # 1-based row numbers
    data: bytes
    damage: str  # what `corrupt` did, or ""


def make_file(feed: Feed, n: int, day: date, rng: random.Random, bad: int = 0, damaged: bool = False,
              subjects: Sequence[Any] = ()) -> ExampleFile:  # fmt: skip
    """A whole example file: good rows, `bad` of them spoiled, encoded, optionally damaged."""
    rows = rows_for(feed, n, day, rng, subjects)
    spoiled = spoil(feed, rows, bad, rng)
    data, damage = encode(feed, rows), ""
    if damaged:
        data, damage = corrupt(feed, data, rng)
    return ExampleFile(len(rows), spoiled, data, damage)


def corrupt(feed: Feed, data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """The file damaged as transfers and exports damage files; returns the bytes and what was done."""
    if feed.format == "csv" and feed.csv.encoding.lower() in ("latin-1", "latin1", "iso-8859-1"):
        text = data.decode(feed.csv.encoding)
        if rng.random() < 0.5 and not text.isascii():
            return text.encode("utf-8"), "re-encoded as UTF-8"
    cut = len(data) // 2 + rng.randrange(max(1, len(data) // 4))
    while cut > 1 and data[cut - 1 : cut] in (b"\n", b"\r"):
        cut -= 1  # inside a line, as a broken transfer cuts
    return data[:cut], f"truncated at byte {cut} of {len(data)}"
