"""What the stack asks Kafka about its topics, in one place: which partitions, their offsets, their retention.
Capture (lag, dead letters, retention alignment) and governance (the raw change log of a data subject) share it.
confluent-kafka is imported when a function runs: importing this module costs nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from confluent_kafka import TopicPartition
    from confluent_kafka.admin import AdminClient

Offsets = dict[tuple[str, int], tuple[int, int]]  # (topic, partition) -> (low, high) watermarks


def admin(kafka: dict[str, str]) -> AdminClient:
    from confluent_kafka.admin import AdminClient

    return AdminClient({**kafka, "log_level": 2})


def create_missing(
    kafka: dict[str, str],
    topics: Iterable[str],
    partitions: int = 1,
    replication: int = 1,
    config: dict[str, str] | None = None,
) -> list[str]:
    """Create the topics that do not exist yet (idempotent; one created meanwhile by someone else is fine).
    Returns those created."""
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import NewTopic

    client = admin(kafka)
    missing = sorted(set(topics) - set(client.list_topics(timeout=15).topics))
    wanted = [NewTopic(t, num_partitions=partitions, replication_factor=replication, config=config or {})
              for t in missing]  # fmt: skip
    created = []
    for topic, future in client.create_topics(wanted, request_timeout=30).items() if wanted else []:
        try:
            future.result()
            created.append(topic)
        except KafkaException as e:
            if e.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
    return sorted(created)


def partitions(client: AdminClient, wanted: Callable[[str], object]) -> list[TopicPartition]:
    """Every partition of the topics for which `wanted(topic)` holds, sorted, from one metadata request."""
    from confluent_kafka import TopicPartition

    meta = client.list_topics(timeout=15).topics
    return [TopicPartition(t, p) for t in sorted(meta) if wanted(t) for p in sorted(meta[t].partitions)]


def watermarks(kafka: dict[str, str], parts: list[TopicPartition], group: str = "pororoca-offsets") -> Offsets:
    """The low and high offsets of each partition (the group only names the client; nothing is consumed)."""
    from confluent_kafka import Consumer

    consumer = Consumer({**kafka, "group.id": group, "log_level": 2})
    try:
        return {(tp.topic, tp.partition): consumer.get_watermark_offsets(tp, timeout=10) for tp in parts}
    finally:
        consumer.close()


def retention_ms(client: AdminClient, topics: list[str]) -> dict[str, str]:
    """Each topic's `retention.ms` as Kafka reports it (text, as configs are; "-1" keeps forever)."""
    from confluent_kafka.admin import ConfigResource, ResourceType

    if not topics:
        return {}
    configs = client.describe_configs([ConfigResource(ResourceType.TOPIC, t) for t in topics])
    return {r.name: f.result()["retention.ms"].value for r, f in configs.items()}
