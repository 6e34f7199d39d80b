"""Which customer holds each account, and since when: what the processor needs to key a transfer by its payer's
customer at the first step, so the payer's and the customer's histories live in one stage (one hop, one commit
fewer on every transfer's way than a stage keyed by account in front of one keyed by customer).

Every replica keeps the whole directory (accounts are few next to transfers, and an account's customer never
changes): a thread reads the accounts change topic from its start into a local RocksDB, and mirrors it to the
compacted topic `fraud.accounts`, which outlives the change topic's three days; a (re)started replica loads
that topic first, and follows it (`pororoca fraud bootstrap` fills it from the lake for a processor started
after the change topic's retention dropped older accounts). Entries are immutable facts keyed by account, so
writing the same entry twice is harmless. The topic carries ids and an opening time (a customer's accounts:
personal data, if pseudonymous): erasing a data subject writes a tombstone for each of their accounts, which the
directories apply and compaction applies to the topic.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pororoca_fraud import events as ev

log = logging.getLogger("pororoca.fraud.directory")

TOPIC = "fraud.accounts"
WAIT_SECONDS = 2.0  # how long a transfer of an unknown account waits for the directory to read what is captured
UNKNOWN_SECONDS = 60.0  # an account waited for in vain is not waited for again for this long

Entry = tuple[int, int]  # (customer_id, opened_ms)


def decode(value: bytes) -> Entry:
    v = json.loads(value)
    return int(v["customer_id"]), int(v["opened_ms"])


def encode(entry: Entry) -> bytes:
    return json.dumps({"customer_id": entry[0], "opened_ms": entry[1]}).encode()


# Compaction may only rewrite closed segments: a day-long segment lets an erased account's entry (and then its
# tombstone) leave the topic within about two days rather than whenever a week's segment fills.
TOPIC_CONFIG = {"cleanup.policy": "compact", "segment.ms": "86400000", "delete.retention.ms": "86400000"}


def high_watermarks(consumer: Any, topic: str) -> dict[int, int]:
    """partition -> the offset after its last record, asked of the broker now."""
    from confluent_kafka import TopicPartition

    parts = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    return {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in parts}


class AccountDirectory:
    def __init__(self, kafka: dict[str, Any], state_dir: Path, source_topic: str, dlq: str,
                 dead_letter: Callable[[Any, str], dict[str, Any]]) -> None:  # fmt: skip
        """`dead_letter(raw, reason)` makes (and counts) the record a malformed change leaves on `dlq`."""
        from rocksdict import Rdict

        path = state_dir / "account-directory"
        shutil.rmtree(path, ignore_errors=True)  # rebuilt from the topics at every start: never stale
        self._db = Rdict(str(path))
        self._kafka = kafka
        self._source = source_topic
        self._dlq, self._dead_letter = dlq, dead_letter
        self._applied: dict[int, int] = {}  # source partition -> next offset read into the directory
        self._changed = threading.Condition()
        self._unknown: dict[int, float] = {}  # account -> when it was last waited for in vain
        self.unknown_transfers = 0
        self.ready = threading.Event()

    # ---- what the processing thread asks ---------------------------------------------------------------

    def get(self, account_id: int) -> Entry | None:
        return self._db.get(account_id)

    def lookup(self, account_id: int) -> Entry | None:
        """The account's entry; for an account not seen yet, first waits (bounded) until the directory has read
        the accounts change topic as far as it reaches now: an account opened moments before its first transfer
        is captured before it, but its change may still be on its way."""
        found = self.get(account_id)
        if found is not None:
            return found
        now = time.monotonic()
        if now - self._unknown.get(account_id, -UNKNOWN_SECONDS) >= UNKNOWN_SECONDS:
            ends = self._ends()
            deadline = now + WAIT_SECONDS
            with self._changed:
                while not self._caught_up(ends) and time.monotonic() < deadline:
                    self._changed.wait(timeout=max(0.0, deadline - time.monotonic()))
            found = self.get(account_id)
            if found is not None:
                return found
            if len(self._unknown) > 100_000:
                self._unknown.clear()
            self._unknown[account_id] = time.monotonic()
        self.unknown_transfers += 1
        if self.unknown_transfers in (1, 10, 100) or self.unknown_transfers % 1000 == 0:
            log.warning("pororoca-fraud: %d transfers so far of accounts not in the account directory (account %s): "
                        "scored without their customer's history. Accounts captured before the change topic's "
                        "retention: `pororoca fraud bootstrap` fills it from the lake.",
                        self.unknown_transfers, account_id)  # fmt: skip
        return None

    def _caught_up(self, ends: dict[int, int]) -> bool:
        return all(self._applied.get(p, 0) >= end for p, end in ends.items())

    def _ends(self) -> dict[int, int]:
        return high_watermarks(self._probe, self._source)

    # ---- the thread that fills it ---------------------------------------------------------------------

    def start(self) -> None:
        from confluent_kafka import Consumer, Producer

        from pororoca_core import kafka_topics

        kafka_topics.create_missing(self._kafka, [TOPIC], config=TOPIC_CONFIG)
        group = {"group.id": "pororoca-fraud-directory", "enable.auto.commit": False, "log_level": 2}
        self._probe = Consumer({**self._kafka, **group})
        self._producer = Producer({**self._kafka, "linger.ms": 5, "compression.type": "lz4", "log_level": 2})
        loaded = self._load(Consumer({**self._kafka, **group}))
        threading.Thread(target=self._follow, args=(Consumer({**self._kafka, **group, "fetch.wait.max.ms": 20}),
                                                    loaded), name="account-directory", daemon=True).start()  # fmt: skip

    def _load(self, consumer: Any) -> dict[int, int]:
        """Everything `fraud.accounts` holds, to its end as of now; returns those end offsets."""
        from confluent_kafka import TopicPartition

        ends = high_watermarks(consumer, TOPIC)
        consumer.assign([TopicPartition(TOPIC, p, 0) for p in ends])
        left = {p for p, end in ends.items() if end > 0}
        loaded = 0
        while left:
            for m in consumer.consume(num_messages=10_000, timeout=1):
                if m.error() is not None:
                    continue
                loaded += self._keep(m)
                if m.offset() + 1 >= ends[m.partition()]:
                    left.discard(m.partition())
        consumer.close()
        log.info("pororoca-fraud: account directory loaded %d entries from %s", loaded, TOPIC)
        return ends

    def _follow(self, consumer: Any, table_ends: dict[int, int]) -> None:
        """The accounts change topic from its start, and `fraud.accounts` from where the load stopped (entries
        others add: replicas, `pororoca fraud bootstrap`)."""
        from confluent_kafka import OFFSET_BEGINNING, TopicPartition

        ends = high_watermarks(consumer, self._source)
        consumer.assign([TopicPartition(self._source, p, OFFSET_BEGINNING) for p in ends]
                        + [TopicPartition(TOPIC, p, end) for p, end in table_ends.items()])  # fmt: skip
        while True:
            batch = [m for m in consumer.consume(num_messages=1000, timeout=0.05) if m.error() is None]
            for m in batch:
                if m.topic() == TOPIC:
                    self._keep(m)
                else:
                    self._apply(m.value())
            if batch:
                self._producer.poll(0)
            with self._changed:
                for m in batch:
                    if m.topic() != TOPIC:
                        self._applied[m.partition()] = m.offset() + 1
                if not self.ready.is_set() and self._caught_up(ends):
                    self.ready.set()
                self._changed.notify_all()

    def _keep(self, m: Any) -> int:
        """One `fraud.accounts` record into the directory; 1 if it held an entry. A tombstone (an erased data
        subject's account, `lgpd erase`) removes the entry."""
        account = int(json.loads(m.key()))
        if m.value() is None:
            if self._db.get(account) is not None:
                del self._db[account]
            return 0
        self._db[account] = decode(m.value())
        return 1

    def _apply(self, raw: bytes | None) -> None:
        try:
            change = ev.read_change(self._source, ev.parse_json(raw))
            if change is None or change.op == "d":
                return
            a = ev.account(change.row)
        except (ev.Malformed, ValueError) as e:
            record = self._dead_letter(raw.decode(errors="replace") if raw else None, str(e))
            self._producer.produce(self._dlq, value=json.dumps(record).encode())
            return
        entry = (a.customer_id, a.opened_ms)
        if self._db.get(a.account_id) != entry:
            self._db[a.account_id] = entry
            self._producer.produce(TOPIC, key=json.dumps(a.account_id).encode(), value=encode(entry))
