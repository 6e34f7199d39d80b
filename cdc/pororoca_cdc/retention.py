"""Change topics keep personal data only as long as their connector says (`topic.creation.default.retention.ms`).
Kafka applies that setting only when it creates a topic: topics created earlier are brought in line here."""

from __future__ import annotations

from pororoca_core import kafka_topics


def align(kafka: dict[str, str], prefix: str, retention_ms: str) -> list[str]:
    """Set retention.ms on every topic named `<prefix>...` that differs. Returns the topics changed."""
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource, ResourceType

    admin = kafka_topics.admin(kafka)
    topics = sorted({tp.topic for tp in kafka_topics.partitions(admin, lambda t: t.startswith(prefix))})
    current = kafka_topics.retention_ms(admin, topics)
    stale = [t for t, ms in current.items() if ms != retention_ms]
    if not stale:
        return []
    entry = ConfigEntry("retention.ms", retention_ms, incremental_operation=AlterConfigOpType.SET)
    changes = [ConfigResource(ResourceType.TOPIC, t, incremental_configs=[entry]) for t in stale]
    for future in admin.incremental_alter_configs(changes).values():
        future.result()
    return sorted(stale)
