"""Change topics keep personal data only as long as their connector says (`topic.creation.default.retention.ms`).
Kafka applies that setting only when it creates a topic: topics created earlier are brought in line here."""

from __future__ import annotations


def align(kafka: dict[str, str], prefix: str, retention_ms: str) -> list[str]:
    """Set retention.ms on every topic named `<prefix>...` that differs. Returns the topics changed."""
    from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, ResourceType

    admin = AdminClient({**kafka, "log_level": 2})
    topics = sorted(t for t in admin.list_topics(timeout=15).topics if t.startswith(prefix))
    if not topics:
        return []
    current = admin.describe_configs([ConfigResource(ResourceType.TOPIC, t) for t in topics])
    stale = [r.name for r, f in current.items() if f.result()["retention.ms"].value != retention_ms]
    if not stale:
        return []
    entry = ConfigEntry("retention.ms", retention_ms, incremental_operation=AlterConfigOpType.SET)
    changes = [ConfigResource(ResourceType.TOPIC, t, incremental_configs=[entry]) for t in stale]
    for future in admin.incremental_alter_configs(changes).values():
        future.result()
    return sorted(stale)
