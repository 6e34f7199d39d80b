"""The raw change topics (Kafka), where a subject's past changes stay until retention removes them: how long,
and the purge that empties them when a subject cannot wait (every record before now, for everyone: Kafka
deletes by offset, never by key)."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta

from pororoca_core import kafka_topics
from pororoca_governance.subjects import SUBJECTS_PATH


@dataclass(frozen=True)
class TopicSpan:
    topic: str
    partition: int
    low: int
    high: int
    retention_ms: int

    @property
    def records(self) -> int:
        return self.high - self.low


def _topics_config() -> dict:
    return tomllib.loads(SUBJECTS_PATH.read_text())


def prefixes() -> tuple[str, ...]:
    return tuple(_topics_config().get("raw_change_topics", ()))


def keyed_topics() -> dict[str, tuple[str, str]]:
    """Compacted topic -> (entity, column) of the subject's values that key its records."""
    raw = _topics_config().get("keyed_topics", {})
    return {topic: tuple(ref.split(".", 1)) for topic, ref in raw.items()}


def tombstones(found: dict[str, dict[str, set]]) -> dict[str, list[bytes]]:
    """topic -> the keys (JSON, as their writers encode them) to write a tombstone for (pure)."""
    keys = {
        topic: [json.dumps(v).encode() for v in sorted(found.get(entity, {}).get(column, set()))]
        for topic, (entity, column) in keyed_topics().items()
    }
    return {t: k for t, k in keys.items() if k}


def forget(kafka: dict[str, str], keys: dict[str, list[bytes]]) -> int:
    """Write the tombstones to the topics that exist; returns how many were written."""
    from confluent_kafka import Producer

    existing = set(kafka_topics.admin(kafka).list_topics(timeout=10).topics)
    producer = Producer({**kafka, "log_level": 2})
    written = 0
    for topic, ks in keys.items():
        if topic not in existing:
            continue
        for k in ks:
            producer.produce(topic, key=k, value=None)
            written += 1
    if producer.flush(30):
        raise RuntimeError(f"tombstones to {sorted(keys)} were not all acknowledged by the broker")
    return written


def spans(kafka: dict[str, str]) -> list[TopicSpan]:
    """Every partition of the raw change topics with its offsets and its topic's retention."""
    admin = kafka_topics.admin(kafka)
    raw = prefixes()
    parts = kafka_topics.partitions(admin, lambda t: t.startswith(raw))
    retention = kafka_topics.retention_ms(admin, sorted({tp.topic for tp in parts}))
    marks = kafka_topics.watermarks(kafka, parts, "pororoca-raw-log")
    return [TopicSpan(t, p, low, high, int(retention[t])) for (t, p), (low, high) in marks.items()]


def _family(topic: str) -> str:
    """A source's change topics by their prefix (`core.*`); the fraud processor's topics by name."""
    return topic if topic.startswith("fraud.") else topic.split(".")[0] + ".*"


def residual_statement(found: list[TopicSpan], erased_at: datetime, tombstones: int = 0) -> str:
    """What the receipt says about copies outside the lake (pure)."""
    held = [s for s in found if s.records]
    if not held:
        topics = "the raw change topics hold no records"
    else:
        longest = max(s.retention_ms for s in held)  # -1: kept forever (a misconfiguration, said as such)
        until = "indefinitely (retention.ms=-1)" if longest < 0 else (
            f"until {(erased_at + timedelta(milliseconds=longest)).isoformat(timespec='seconds')} "
            f"(their retention, {longest / 86_400_000:g} days)"
        )  # fmt: skip
        names = sorted({_family(s.topic) for s in held})
        topics = (f"the subject's past changes may remain in the raw change topics ({', '.join(names)}) {until}, "
                  "unless purged with `lgpd erase --purge-topics`")  # fmt: skip
    directory = (f"; {tombstones} of the subject's keys were removed from the fraud processor's account directory "
                 "(fraud.accounts: tombstones; the topic's compaction drops them within about two days)"
                 if tombstones else "")  # fmt: skip
    return (f"{topics}{directory}; the fraud processor's feature state (its RocksDB stores and changelog topics) "
            "keeps the subject's devices, limit versions and recent transfers under internal ids (not yet erased "
            "per subject); the source systems (core banking, acquiring) keep their own records: erasing "
            "there is their owner's duty (this platform captures them)")  # fmt: skip


def purge(kafka: dict[str, str], found: list[TopicSpan]) -> int:
    """Delete every record before each partition's current end. Returns the records removed."""
    from confluent_kafka import TopicPartition
    from confluent_kafka.admin import AdminClient

    targets = [TopicPartition(s.topic, s.partition, s.high) for s in found if s.records]
    if not targets:
        return 0
    admin = AdminClient({**kafka, "log_level": 2})
    for future in admin.delete_records(targets, request_timeout=60).values():
        future.result()
    return sum(s.records for s in found)
