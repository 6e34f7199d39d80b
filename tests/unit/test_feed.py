"""The risk team's reader of the change topics: plain JSON envelopes, and those written with their schema."""

import json
from decimal import Decimal

from pororoca_cdc import feed

ENVELOPE = (
    '{"before":null,"after":{"transfer_id":7,"amount":1234567890123.45,"created_at":"2026-11-22T15:04:05.123456Z"},'
    '"source":{"ts_ms":1764000000000,"lsn":42,"txId":9},"op":"c","ts_ms":1764000000100}'
)


def test_a_plain_envelope_is_read_with_exact_decimals():
    change = feed.parse(b'{"transfer_id":7}', ENVELOPE.encode(), offset=3)
    assert change.op == "c" and change.key == {"transfer_id": 7} and change.offset == 3
    assert change.after is not None and change.after["amount"] == Decimal("1234567890123.45")
    assert change.source["lsn"] == 42


def test_an_envelope_written_with_its_schema_reads_the_same():
    key = {"schema": {"type": "struct"}, "payload": {"transfer_id": 7}}
    value = '{"schema":{"type":"struct","fields":[]},"payload":' + ENVELOPE + "}"
    legacy = feed.parse(json.dumps(key).encode(), value.encode())
    plain = feed.parse(json.dumps(key["payload"]).encode(), ENVELOPE.encode())
    assert (legacy.key, legacy.op, legacy.after, legacy.source) == (plain.key, plain.op, plain.after, plain.source)
