"""A dropped file's bytes -> its rows, each with its number and raw text, or `Unreadable` with the reason.

A file is unreadable (quarantined whole) when nothing in it can be trusted: the wrong format, the wrong encoding,
a header that is not the contract's, a truncated end (a text file must end with a line end: a cut inside the
last value looks like a valid row otherwise). A bad *row* is not this module's business: it is read as it
is and rejected by `check`, with its raw text kept."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from pororoca_feeds.contract import Feed

MAGIC = {"parquet": b"PAR1", "avro": b"Obj\x01", "orc": b"ORC"}


class Unreadable(Exception):
    """The whole file is refused; the message says why, for the reason file beside it in quarantine."""


@dataclass(frozen=True)
class RawRow:
    number: int  # 1-based, counting data rows (a CSV header is not a row)
    raw: str  # the line as written (CSV, JSON lines) or the record as JSON (binary formats)
    values: dict[str, Any]


def read_file(feed: Feed, data: bytes) -> list[RawRow]:
    if not data:
        raise Unreadable("empty file (0 bytes)")
    binary = MAGIC.get(feed.format)
    if binary and not data.startswith(binary):
        found = next((f for f, m in MAGIC.items() if data.startswith(m)), None)
        raise Unreadable(f"not a {feed.format} file" + (f" (it is {found})" if found else " (no magic number)"))
    if not binary:
        found = next((f for f, m in MAGIC.items() if data.startswith(m)), None)
        if found or b"\x00" in data[:4096]:
            raise Unreadable(f"not a text file: expected {feed.format}" + (f", found {found}" if found else ""))
    reader = {"csv": _csv, "jsonl": _jsonl, "parquet": _parquet, "orc": _orc, "avro": _avro}[feed.format]
    return reader(feed, data)


def _text(data: bytes, encoding: str) -> str:
    if encoding.replace("-", "").lower() in ("latin1", "iso88591", "cp1252", "windows1252"):
        # Latin-1 decodes any byte: a UTF-8 file would be read as mojibake ("JoÃ£o"), silently.
        try:
            as_utf8 = data.decode("utf-8")
        except UnicodeDecodeError:
            as_utf8 = None
        if as_utf8 is not None and not as_utf8.isascii():
            raise Unreadable(
                f"declared {encoding} but the file is UTF-8: ask the partner for {encoding}, or fix the contract"
            )
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        raise Unreadable(f"not {encoding}: byte {data[e.start]:#04x} at offset {e.start}") from None
    return text.removeprefix("\ufeff")


def _truncated(text: str) -> bool:
    return not text.endswith(("\n", "\r"))


def _csv(feed: Feed, data: bytes) -> list[RawRow]:
    opts = feed.csv
    text = _text(data, opts.encoding)
    lines = text.splitlines(keepends=True)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=opts.delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise Unreadable("no header line") from None
    header = [h.strip() for h in header]
    expected = [c.name for c in feed.columns]
    missing = [c for c in expected if c not in header]
    extra = [h for h in header if h not in expected]
    if missing or extra:
        detail = "; ".join(
            p
            for p in (
                f"missing {', '.join(missing)}" if missing else "",
                f"unexpected {', '.join(extra)}" if extra else "",
            )
            if p
        )
        raise Unreadable(f"header is not the contract's ({detail}); delimiter {opts.delimiter!r} expected")
    rows: list[RawRow] = []
    seen_line = reader.line_num
    try:
        for fields in reader:
            raw = "".join(lines[seen_line : reader.line_num]).rstrip("\r\n")
            seen_line = reader.line_num
            number = len(rows) + 1
            if not fields:
                rows.append(RawRow(number, raw, {"__error__": "empty line"}))
            elif len(fields) != len(header):
                rows.append(RawRow(number, raw, {"__error__": f"{len(fields)} fields, the header has {len(header)}"}))
            else:
                rows.append(RawRow(number, raw, dict(zip(header, fields, strict=True))))
    except csv.Error as e:
        raise Unreadable(f"CSV broken at line {reader.line_num}: {e}") from None
    if _truncated(text):
        # A cut inside the last value still splits into the right number of fields: no line end, no trust.
        raise Unreadable(f"truncated: the last line ({len(lines)}) has no line end")
    return rows


def _jsonl(feed: Feed, data: bytes) -> list[RawRow]:
    text = _text(data, "utf-8")
    if _truncated(text):
        raise Unreadable(f"truncated: the last line ({text.count(chr(10)) + 1}) has no line end")
    lines = text.splitlines()
    rows = []
    for i, line in enumerate(lines, start=1):
        try:
            value = json.loads(line)
        except json.JSONDecodeError as e:
            rows.append(RawRow(i, line, {"__error__": f"not JSON: {e.msg} at column {e.colno}"}))
            continue
        if not isinstance(value, dict):
            rows.append(RawRow(i, line, {"__error__": f"a JSON {type(value).__name__}, not an object"}))
        else:
            rows.append(RawRow(i, line, value))
    return rows


def _records(feed: Feed, names: list[str], records: list[dict[str, Any]]) -> list[RawRow]:
    expected = [c.name for c in feed.columns]
    missing = [c for c in expected if c not in names]
    extra = [n for n in names if n not in expected]
    if missing or extra:
        raise Unreadable(f"schema is not the contract's: missing {missing or 'none'}, unexpected {extra or 'none'}")
    return [RawRow(i, json.dumps(r, default=str, ensure_ascii=False), r) for i, r in enumerate(records, start=1)]


def _parquet(feed: Feed, data: bytes) -> list[RawRow]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as e:
        raise Unreadable(f"unreadable Parquet (truncated or damaged): {e}") from None
    return _records(feed, table.column_names, table.to_pylist())


def _orc(feed: Feed, data: bytes) -> list[RawRow]:
    import pyarrow as pa
    import pyarrow.orc as po

    try:
        table = po.ORCFile(pa.BufferReader(data)).read()
    except (pa.ArrowException, OSError) as e:
        raise Unreadable(f"unreadable ORC (truncated or damaged): {e}") from None
    return _records(feed, table.column_names, table.to_pylist())


def _avro(feed: Feed, data: bytes) -> list[RawRow]:
    import fastavro

    try:
        reader = fastavro.reader(io.BytesIO(data))
        schema: Any = reader.writer_schema
        records = [r for r in reader if isinstance(r, dict)]
    except Exception as e:
        raise Unreadable(f"unreadable Avro (truncated or damaged): {type(e).__name__}: {e}") from None
    names = [f["name"] for f in schema.get("fields", [])] if isinstance(schema, dict) else []
    return _records(feed, names, records)
