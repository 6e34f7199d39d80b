"""How far behind each connector is, and what waits in the dead-letter topics."""

from __future__ import annotations

import re
from dataclasses import dataclass

from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient

from pororoca_core import kafka_topics

REPLAY_GROUP = "pororoca-dlq-replay"


@dataclass(frozen=True)
class SinkLag:
    records: int  # change events on the sink's topics that it has not committed to Iceberg yet
    topics: int
    landed: int = 0  # change events on those topics already committed to Iceberg


@dataclass(frozen=True)
class DeadLetters:
    topic: str
    total: int
    pending: int  # not replayed yet


def committed(admin: AdminClient, group: str, partitions: list[TopicPartition]) -> dict[tuple[str, int], int]:
    if not partitions:
        return {}
    futures = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group, partitions)])
    result = futures[group].result(timeout=10)
    return {(tp.topic, tp.partition): tp.offset for tp in result.topic_partitions if tp.offset >= 0}


def sink_lag(kafka: dict[str, str], connector: str, topics_regex: str, ignore: frozenset[str] = frozenset()) -> SinkLag:
    """Kafka Connect consumes for sink `x` as group `connect-x`; the Iceberg sink commits that group's offsets
    only after the data is committed to Iceberg, so lag here is what bronze does not show yet (topics in `ignore`
    left out)."""
    admin = kafka_topics.admin(kafka)
    wanted = re.compile(topics_regex).fullmatch
    parts = kafka_topics.partitions(admin, lambda t: t not in ignore and wanted(t))
    marks = kafka_topics.watermarks(kafka, parts, "pororoca-lag")
    done = committed(admin, f"connect-{connector}", parts)
    behind = sum(high - done.get(key, low) for key, (low, high) in marks.items())
    landed = sum(done.get(key, low) - low for key, (low, _) in marks.items())
    return SinkLag(behind, len({tp.topic for tp in parts}), landed)


def dead_letters(kafka: dict[str, str], topic: str) -> DeadLetters:
    admin = kafka_topics.admin(kafka)
    parts = kafka_topics.partitions(admin, lambda t: t == topic)
    if not parts:
        return DeadLetters(topic, 0, 0)
    marks = kafka_topics.watermarks(kafka, parts, "pororoca-lag")
    replayed = committed(admin, REPLAY_GROUP, parts)
    total = sum(high - low for low, high in marks.values())
    pending = sum(high - max(low, replayed.get(key, low)) for key, (low, high) in marks.items())
    return DeadLetters(topic, total, pending)
