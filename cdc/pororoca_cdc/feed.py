"""Reading the change topics, the way the risk team's consumers do (see cdc/README.md)."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient


@dataclass(frozen=True)
class Change:
    key: dict
    op: str  # r (snapshot read), c (insert), u (update), d (delete)
    before: dict | None
    after: dict | None
    source: dict
    offset: int


def parse(key: bytes | None, value: bytes, offset: int = -1) -> Change:
    # Decimals arrive as JSON numbers (decimal.format=NUMERIC): parse them as Decimal to stay exact.
    k = json.loads(key, parse_float=Decimal) if key else {}
    v = json.loads(value, parse_float=Decimal)
    p = v.get("payload", v)  # records written by earlier versions embed their schema beside the payload
    return Change(k.get("payload", k), p["op"], p.get("before"), p.get("after"), p["source"], offset)


def read(kafka: dict[str, str], topic: str, timeout: float = 30, until=None, start_offset: int = 0) -> list[Change]:
    """Every change on the (single-partition) topic from `start_offset`, until `until(changes)` holds or the
    timeout passes."""
    consumer = Consumer({
        **kafka, "group.id": f"pororoca-read-{uuid.uuid4().hex[:8]}",
        "enable.auto.commit": False, "auto.offset.reset": "earliest",
    })  # fmt: skip
    consumer.assign([TopicPartition(topic, 0, start_offset)])
    changes: list[Change] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            msgs = consumer.consume(num_messages=5000, timeout=0.5)
            for m in msgs:
                value, offset = m.value(), m.offset()
                if m.error() is None and value is not None and offset is not None:
                    changes.append(parse(m.key(), value, offset))
            if until is not None and until(changes):
                break
    finally:
        consumer.close()
    return changes


def wait_for_topics(kafka: dict[str, str], topics: list[str], timeout: float = 120) -> None:
    """Debezium creates a table's topic when it first writes to it (the snapshot goes table by table)."""
    admin = AdminClient({**kafka})
    deadline = time.monotonic() + timeout
    missing = set(topics)
    while time.monotonic() < deadline:
        missing = set(topics) - set(admin.list_topics(timeout=10).topics)
        if not missing:
            return
        time.sleep(1)
    raise TimeoutError(f"topics not created within {timeout:.0f}s: {sorted(missing)}")


def end_offset(kafka: dict[str, str], topic: str) -> int:
    consumer = Consumer({**kafka, "group.id": "pororoca-offsets"})
    try:
        _low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        return high
    finally:
        consumer.close()
