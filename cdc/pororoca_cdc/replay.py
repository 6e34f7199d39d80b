"""Replay dead letters: put each record back on the topic it came from, once the cause is fixed.

Kafka Connect writes the original key, value and headers to the dead-letter topic, plus headers naming
the original topic, partition and offset. Replaying re-produces the record unchanged to that topic (with
a header saying where it was replayed from) and commits the replay group's offset, so a record is
replayed once. It replays only what was in the dead-letter topic when it started: a record that fails
again comes back as a new dead letter for a later replay, never in a loop.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from confluent_kafka import Consumer, Producer, TopicPartition

from pororoca_cdc.lag import REPLAY_GROUP
from pororoca_core.errors import OperationFailed

ORIGIN_TOPIC = "__connect.errors.topic"
REPLAYED_FROM = "pororoca.replayed-from"


@dataclass(frozen=True)
class Replayed:
    dead_letter_topic: str
    records: int
    to_topics: dict[str, int]


def _start_and_stop(consumer: Consumer, topic: str) -> dict[int, tuple[int, int]]:
    """Per partition: the first record not replayed yet, and the end of the topic now."""
    meta = consumer.list_topics(topic, timeout=10).topics.get(topic)
    if meta is None or not meta.partitions:
        return {}
    parts = [TopicPartition(topic, p) for p in meta.partitions]
    committed = {tp.partition: tp.offset for tp in consumer.committed(parts, timeout=10)}
    bounds = {}
    for tp in parts:
        low, high = consumer.get_watermark_offsets(tp, timeout=10)
        start = max(low, committed.get(tp.partition, -1))
        if start < high:
            bounds[tp.partition] = (start, high)
    return bounds


def replay(kafka: dict[str, str], dlq_topic: str, dry_run: bool = False, timeout: float = 120) -> Replayed:
    consumer = Consumer({
        **kafka, "group.id": REPLAY_GROUP, "enable.auto.commit": False, "log_level": 2,
    })  # fmt: skip
    producer = Producer({**kafka, "enable.idempotence": True, "acks": "all", "log_level": 2})
    to_topics: dict[str, int] = {}
    count = 0
    try:
        bounds = _start_and_stop(consumer, dlq_topic)
        if not bounds:
            return Replayed(dlq_topic, 0, {})
        consumer.assign([TopicPartition(dlq_topic, p, start) for p, (start, _) in bounds.items()])
        open_partitions = set(bounds)
        deadline = time.monotonic() + timeout
        while open_partitions:
            if time.monotonic() > deadline:
                raise TimeoutError(f"replay of {dlq_topic} did not finish within {timeout:.0f}s; nothing was committed")
            msg = consumer.poll(0.5)
            if msg is None or msg.partition() not in open_partitions:
                continue
            if msg.error():
                raise OperationFailed(f"reading {dlq_topic}: {msg.error()}")
            partition, offset = int(msg.partition() or 0), int(msg.offset() or 0)
            if offset >= bounds[partition][1]:
                open_partitions.discard(partition)
                continue
            raw = msg.headers() or []
            headers = list(raw.items()) if isinstance(raw, dict) else list(raw)
            origin_header = dict(headers).get(ORIGIN_TOPIC)
            if origin_header is None:
                raise OperationFailed(f"{dlq_topic} offset {offset} has no {ORIGIN_TOPIC} header: cannot replay")
            origin = origin_header.decode() if isinstance(origin_header, bytes) else str(origin_header)
            if not dry_run:
                kept = [(k, v) for k, v in headers if not k.startswith("__connect.errors.")]
                kept.append((REPLAYED_FROM, f"{dlq_topic}:{partition}:{offset}".encode()))
                producer.produce(origin, key=msg.key(), value=msg.value(), headers=kept)
            to_topics[origin] = to_topics.get(origin, 0) + 1
            count += 1
            if offset + 1 >= bounds[partition][1]:
                open_partitions.discard(partition)
        if not dry_run:
            if producer.flush(30) != 0:
                raise OperationFailed("replay: the broker did not acknowledge every record; nothing was committed")
            consumer.commit(
                offsets=[TopicPartition(dlq_topic, p, stop) for p, (_, stop) in bounds.items()], asynchronous=False
            )
    finally:
        consumer.close()
    return Replayed(dlq_topic, count, to_topics)
