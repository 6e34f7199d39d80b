"""Replay dead letters: put each record back on the topic it came from, once the cause is fixed.

Kafka Connect writes the original key, value and headers to the dead-letter topic, plus headers naming
the original topic, partition and offset. Replaying re-produces the record unchanged to that topic (with
a header saying where it was replayed from) and commits the replay group's offset, so a record is
replayed once; if it fails again it returns to the dead-letter topic and can be replayed again later.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

from .lag import REPLAY_GROUP

ORIGIN_TOPIC = "__connect.errors.topic"
REPLAYED_FROM = "pororoca.replayed-from"


@dataclass(frozen=True)
class Replayed:
    dead_letter_topic: str
    records: int
    to_topics: dict[str, int]


def replay(bootstrap: str, dlq_topic: str, dry_run: bool = False, timeout: float = 30) -> Replayed:
    consumer = Consumer({
        "bootstrap.servers": bootstrap, "group.id": REPLAY_GROUP, "enable.auto.commit": False,
        "auto.offset.reset": "earliest", "enable.partition.eof": True,
    })  # fmt: skip
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
    consumer.subscribe([dlq_topic])
    to_topics: dict[str, int] = {}
    last: dict[int, int] = {}
    count = 0
    try:
        eof: set[int] = set()
        assigned: set[int] = set()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            assigned = {tp.partition for tp in consumer.assignment()}
            if msg is None:
                if assigned and eof >= assigned:
                    break
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    eof.add(msg.partition())
                    if eof >= assigned:
                        break
                    continue
                raise RuntimeError(f"reading {dlq_topic}: {msg.error()}")
            headers = dict(msg.headers() or [])
            origin = headers.get(ORIGIN_TOPIC)
            if origin is None:
                raise RuntimeError(f"{dlq_topic} offset {msg.offset()} has no {ORIGIN_TOPIC} header: cannot replay")
            topic = origin.decode()
            if not dry_run:
                kept = [(k, v) for k, v in (msg.headers() or []) if not k.startswith("__connect.errors.")]
                kept.append((REPLAYED_FROM, f"{dlq_topic}:{msg.partition()}:{msg.offset()}".encode()))
                producer.produce(topic, key=msg.key(), value=msg.value(), headers=kept)
            to_topics[topic] = to_topics.get(topic, 0) + 1
            last[msg.partition()] = msg.offset()
            count += 1
        if not dry_run and count:
            if producer.flush(30) != 0:
                raise RuntimeError("replay: the broker did not acknowledge every record; nothing was committed")
            consumer.commit(offsets=[TopicPartition(dlq_topic, p, o + 1) for p, o in last.items()], asynchronous=False)
    finally:
        consumer.close()
    return Replayed(dlq_topic, count, to_topics)
