"""Every captured table's change topic exists before the sinks start. Debezium creates a topic at a table's first
change; the sinks subscribe by pattern, so a new topic means a consumer-group rebalance, and the Iceberg sink's
commit coordinator then commits nothing for up to five minutes ("group is already rebalancing"): every table's
freshness stalls. Created here with the settings Debezium would use (`topic.creation.default.*`), the
subscription never changes while the stack runs."""

from __future__ import annotations

from collections.abc import Iterable

from pororoca_core import kafka_topics

DEFAULT_PREFIX = "topic.creation.default."
NOT_TOPIC_CONFIG = {"partitions", "replication.factor", "include", "exclude", "groups"}


def creation_settings(connector_config: dict[str, str]) -> tuple[int, int, dict[str, str]]:
    """(partitions, replication factor, topic configs) a Debezium source would create its topics with."""
    settings = {k.removeprefix(DEFAULT_PREFIX): v for k, v in connector_config.items() if k.startswith(DEFAULT_PREFIX)}
    topic_config = {k: v for k, v in settings.items() if k not in NOT_TOPIC_CONFIG}
    return int(settings.get("partitions", "1")), int(settings.get("replication.factor", "1")), topic_config


def ensure(kafka: dict[str, str], topics: Iterable[str], connector_config: dict[str, str]) -> list[str]:
    """Create the missing ones (idempotent; one created meanwhile by Debezium is fine). Returns those created."""
    partitions, replication, config = creation_settings(connector_config)
    return kafka_topics.create_missing(kafka, topics, partitions, replication, config)
