"""The stream processor (Quix Streams): change topics in, `fraud.scores` and `fraud.alerts` out.

    pix_transfers -> (the payer's customer, from the account directory) -+
    devices, transaction_limits, auth_events ----------------------------+-> fraud.stage.by-customer (key: customer)
        -> customer stage (the payer account's and the customer's histories)
        -> fraud.stage.by-payee (key: destination token) -> payee stage -> judge -> fraud.scores, fraud.alerts

Every stage keeps its state in RocksDB with a changelog topic (Quix Streams), so a restarted or moved replica
recovers it; replicas share the work by partition. Malformed events go to `fraud.dlq` with the reason. Two
stages, not three: every hop costs a transactional commit on the transfer's way and a produce, a fetch and a
parse of it, which is what bounds the latency at 1,000 transfers/s on a small machine.

The destination key is tokenised (the lake's keyed hash) before it becomes a message key: no stage, changelog
or output topic carries a raw Pix key, which can be a CPF, e-mail or phone number. Only `fraud.dlq` keeps raw
events (to repair them), for the change topics' three days.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pororoca_core.pseudonym import token
from pororoca_fraud import events as ev
from pororoca_fraud import features as ft
from pororoca_fraud.directory import AccountDirectory
from pororoca_fraud.health import Counters, serve_health
from pororoca_fraud.model import LinearModel, alias_version, load_alias, load_version
from pororoca_fraud.registry import CHALLENGER
from pororoca_fraud.scoring import ScoringConfig, judge, load_config

log = logging.getLogger("pororoca.fraud")

SCORES, ALERTS, DLQ = "fraud.scores", "fraud.alerts", "fraud.dlq"
# Customer context from the lake (`pororoca fraud bootstrap`): the devices and limits older than the change topics.
CONTEXT = "fraud.context"
DAY_MS = 86_400_000
PII_RETENTION_MS = 3 * DAY_MS  # the change topics' retention (cdc/connectors: topic.creation.default.retention.ms)
STAGE_TOPICS = ("fraud.stage.by-customer", "fraud.stage.by-payee")
GROUP = "pororoca-fraud"
STATE = "s"  # one state entry per key: the stage's dict
# Seconds between exactly-once checkpoints (POROROCA_FRAUD_COMMIT_INTERVAL). Each blocks the loop while the
# producer flushes and the transaction commits: at 1,000 transfers/s on 2 cores, 0.1 s spends the throughput on
# commits (p50 2.8-4.6 s), 0.2 s p99 2.1 s, 0.25 s p99 0.8-2.8 s over three runs (bench-fraud, one stage).
DEFAULT_COMMIT_INTERVAL = 0.25
RELOAD_SECONDS = 30  # how often the registry's aliases are checked
SHADOW_FIELDS = ("shadow_model_version", "shadow_score", "shadow_decision")  # flat: each lands in its gold column


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f"pororoca-fraud: {name} is not set (the stack sets it; see stack/services.toml)")
    return value


def topic_prefix() -> str:
    return os.environ.get("POROROCA_FRAUD_TOPIC_PREFIX", "core.public.")


def _dead(table: str, value: Any, reason: str) -> dict[str, Any]:
    if isinstance(value, bytes):
        raw: str | None = value.decode(errors="replace")[:2000]
    else:
        raw = json.dumps(value, default=str)[:2000] if value is not None else None
    return {"kind": "dead", "table": table, "reason": reason, "raw": raw, "at_ms": int(time.time() * 1000)}


def _fields(event: Any) -> dict[str, Any]:
    """A flat event dataclass as a dict (`dataclasses.asdict` copies deeply, and cost as much as the parse)."""
    return dict(vars(event))


def parse(table: str, pseudonym_key: str, counters: Counters):
    """The first step of each input: a change event -> a typed, JSON-able event, or a dead letter."""

    def step(value: bytes | None) -> dict[str, Any]:
        try:
            change = ev.read_change(f"x.{table}", ev.parse_json(value))
            # A transfer is scored when it is created (later status changes are not new transfers); a deleted
            # row adds nothing to any history.
            if change is None or change.op == "d" or (change.op == "u" and table == "pix_transfers"):
                return {"kind": "skip"}
            row = change.row
            if table == "pix_transfers":
                tx = ev.transfer(row, token(ev.payee_key(row), "text", pseudonym_key) or "")
                return {"kind": "transfer", "tx": _fields(tx), "commit_ms": change.commit_ms, "op": change.op}
            if table == "devices":
                return {"kind": "device", **_fields(ev.device(row))}
            if table == "transaction_limits":
                return {"kind": "limits", **_fields(ev.limits(row))}
            login = ev.auth(row)
            # Only failed logins are features: a successful one changes no state, and most logins succeed
            # (reading and rewriting their customers' state for nothing was a fifth of a snapshot's replay).
            return {"kind": "auth", **_fields(login)} if not login.success else {"kind": "skip"}
        except ev.Malformed as e:
            counters.dead_letters += 1
            return _dead(table, value, str(e))

    return step


def bootstrapped(counters: Counters):
    """A `fraud.context` event (already in the stages' form), or a dead letter naming what is wrong with it."""
    fields = {"device": ("customer_id", "device_id", "registered_ms", "trusted"),
              "limits": ("customer_id", "updated_ms", "per_tx", "daily", "nightly")}  # fmt: skip

    def step(raw: bytes | None) -> dict[str, Any]:
        try:
            value = ev.parse_json(raw)
            kind = value.get("kind") if isinstance(value, dict) else None
            if kind not in fields:
                raise ev.Malformed(f"unknown kind {kind!r}")
            missing = [f for f in fields[kind] if value.get(f) is None]
            if missing:
                raise ev.Malformed(f"{', '.join(missing)} missing")
        except ev.Malformed as e:
            counters.dead_letters += 1
            return _dead("fraud.context", raw, str(e))
        return {f: value[f] for f in ("kind", *fields[kind])}

    return step


class Accounts(Protocol):
    """What the first stage asks of the account directory (a protocol, so unit tests can hand in a dict)."""

    def lookup(self, account_id: int) -> tuple[int, int] | None: ...


def with_payer_account(directory: Accounts) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A transfer with its payer account's customer and opening, as known at the transfer's time (offline, an
    account's opening applies from its opening time on)."""

    def step(value: dict[str, Any]) -> dict[str, Any]:
        tx = value["tx"]
        found = directory.lookup(tx["payer_account_id"])
        known = found is not None and found[1] <= tx["created_ms"]
        account = {"customer_id": found[0], "opened_ms": found[1]} if known and found else None
        return {**value, "account": account}

    return step


def customer_key(value: dict[str, Any]) -> int | str:
    """The first stage's key: the customer. A transfer of an account nobody knows keeps its payer's history under
    the account alone (no customer history to read or keep)."""
    if value["kind"] != "transfer":
        return value["customer_id"]
    account = value["account"]
    return account["customer_id"] if account else f"account:{value['tx']['payer_account_id']}"


def customer_stage(value: dict[str, Any], state: Any) -> dict[str, Any]:
    """Context events update the customer's state; a transfer reads and extends its payer account's history
    (kept under the account, inside its customer's key) and then its customer's."""
    kind = value["kind"]
    s = state.get(STATE, {})
    if kind == "device":
        state.set(STATE, ft.device_seen(s, value["device_id"], value["registered_ms"], value["trusted"]))
        return value
    if kind == "limits":
        state.set(STATE, ft.limits_changed(s, value["updated_ms"], value["per_tx"], value["daily"], value["nightly"]))
        return value
    if kind == "auth":
        state.set(STATE, ft.authenticated(s, value["at_ms"], value["auth_id"], value["success"]))
        return value
    tx = ft.Transfer(**value["tx"])
    payer_key = f"account:{tx.payer_account_id}"
    payer = state.get(payer_key, {})
    if value["account"] is not None:
        payer = ft.account_opened(payer, value["account"]["opened_ms"], value["account"]["customer_id"])
    payer, f = ft.payer_features(payer, tx)
    state.set(payer_key, payer)
    pair = f"payee:{tx.payer_account_id}:{tx.payee_token}"
    f["first_time_payee"], mark = ft.first_time_payee(state.get(pair), tx)
    if mark is not None:
        state.set(pair, mark)
    if f.pop("customer_id") is None:  # the account is not known: no customer history to read or keep
        _, f2 = ft.customer_features({}, tx, f["payer_sum_24h"])
    else:
        s, f2 = ft.customer_features(s, tx, f["payer_sum_24h"])
        state.set(STATE, s)
    return {**value, "features": {**f, **f2}}


@dataclass
class ModelSlot:
    """The model scoring now. Replaced whole (one reference assignment), so an event is scored by one version."""

    model: LinearModel | None

    @property
    def version(self) -> str | None:
        return self.model.version if self.model else None


def follow(slot: ModelSlot, name: str, alias: str) -> bool:
    """Point `slot` at the version `alias` names now (no model when the alias is gone); whether it changed."""
    latest = alias_version(name, alias)
    if latest == slot.version:
        return False
    slot.model = load_version(name, latest) if latest is not None else None
    return True


def watch_models(champion: ModelSlot, challenger: ModelSlot, config: ScoringConfig, counters: Counters) -> None:
    """Follow the registry's aliases: a newly promoted champion scores from the next event on, without a restart;
    a registered challenger scores in the shadow (recorded, never acted on)."""
    while True:
        time.sleep(RELOAD_SECONDS)
        try:
            if follow(champion, config.model_name, config.model_alias):
                counters.model_version = champion.version
                log.info("pororoca-fraud: now scoring with model version %s", champion.version)
            if follow(challenger, config.model_name, CHALLENGER):
                log.info("pororoca-fraud: challenger version %s scores in the shadow", challenger.version)
        except Exception as e:  # the registry being away must never stop scoring
            log.warning("pororoca-fraud: could not check the registry for new model versions: %s", e)


def shadow_verdict(features: dict[str, Any], config: ScoringConfig, champion: str | None,
                   challenger: LinearModel | None) -> dict[str, Any] | None:  # fmt: skip
    """The challenger's opinion of a transfer, beside the champion's (None when there is no other version)."""
    if challenger is None or challenger.version == champion:
        return None
    v = judge(features, config, challenger)
    return {"shadow_model_version": v.model_version, "shadow_score": v.score, "shadow_decision": v.decision}


def internal(app: Any, name: str, partitions: int, retention_ms: int = DAY_MS, key_deserializer: str = "json",
             value_deserializer: str = "json") -> Any:  # fmt: skip
    """A topic of ours: JSON, `partitions`, kept `retention_ms`."""
    from quixstreams.models import TopicConfig

    config = TopicConfig(num_partitions=partitions, replication_factor=1,
                         extra_config={"retention.ms": str(retention_ms)})  # fmt: skip
    return app.topic(name, key_serializer="json", value_serializer="json", key_deserializer=key_deserializer,
                     value_deserializer=value_deserializer, config=config)  # fmt: skip


def payee_stage(value: dict[str, Any], state: Any) -> dict[str, Any]:
    """A transfer's destination-key features (state keyed by the destination token), added to the others."""
    tx = ft.Transfer(**value["tx"])
    s, f = ft.payee_features(state.get(STATE, {}), tx)
    state.set(STATE, s)
    return {**value, "features": {"amount": tx.amount, **value["features"], **f}}


def keyed_state(state: Any, key: int | str) -> Any:
    """The state of another key in the same store partition: Quix Streams' `PartitionTransaction.as_state`, the
    way its windows address their keys (3.28, pinned). Only sound where one partition holds every key."""
    return state._transaction.as_state(prefix=key)


def one_stage(value: dict[str, Any], state: Any) -> dict[str, Any] | None:
    """Both stages in one step, each key's state addressed by its prefix: for one partition of every topic, where
    one store partition holds every customer and destination. A context event returns None (nothing to send)."""
    kind = value["kind"]
    if kind == "dead":
        return value
    v = customer_stage(value, keyed_state(state, customer_key(value)))
    if kind != "transfer":
        return None
    return payee_stage(v, keyed_state(state, v["tx"]["payee_token"]))


def build(app: Any, counters: Counters, directory: Accounts, partitions: int) -> None:
    """partitions == 1: one stateful step straight from the change topics (time-aligned across them), one
    transactional commit on a transfer's way; > 1: the keyed stages, which replicas share by partition."""
    key = _env("POROROCA_PSEUDONYMISATION_KEY")
    prefix = topic_prefix()
    config = load_config()
    slot = ModelSlot(load_alias(config.model_name, config.model_alias))
    shadow = ModelSlot(load_alias(config.model_name, CHALLENGER))
    counters.model_version = slot.version
    if os.environ.get("MLFLOW_TRACKING_URI"):
        threading.Thread(target=watch_models, args=(slot, shadow, config, counters), daemon=True).start()

    # A dead letter holds the raw change event, personal data included: kept no longer than the change topics.
    dlq = internal(app, DLQ, partitions, retention_ms=PII_RETENTION_MS)
    # Scores and alerts name the payer's account: transport for as long as the change topics keep the same
    # facts (an erasure's receipt states this retention); the lake's gold.fraud_* tables are the record.
    scores = internal(app, SCORES, partitions, retention_ms=PII_RETENTION_MS)
    alerts = internal(app, ALERTS, partitions, retention_ms=PII_RETENTION_MS)

    def changes(table: str) -> Any:
        topic = app.topic(prefix + table, value_deserializer="bytes", key_deserializer="bytes")
        sdf = app.dataframe(topic).apply(parse(table, key, counters)).filter(lambda v: v["kind"] != "skip")
        if table == "pix_transfers":
            route = with_payer_account(directory)
            sdf = sdf.apply(lambda v: v if v["kind"] == "dead" else route(v))
        return sdf

    def verdict(value: dict[str, Any]) -> dict[str, Any]:
        if value["kind"] == "dead":
            return value
        record = scored(value, config, slot.model, shadow.model)
        counters.scored += 1
        counters.last_latency_ms = record["scored_at_ms"] - value["commit_ms"]
        return record

    # One chain each, the topic chosen per event: a branch would copy every event (Quix Streams pickles a value
    # per branch). Dead letters carry "kind"; score records do not.
    def dead_or(topic: Any) -> Callable[..., Any]:
        return lambda v, *_: dlq if v.get("kind") == "dead" else topic

    tables = ("pix_transfers", "devices", "transaction_limits", "auth_events")
    # Written by the operator's CLI: its keys (only for compaction) are never read as JSON.
    context_topic = internal(app, CONTEXT, partitions, key_deserializer="bytes", value_deserializer="bytes")
    context = app.dataframe(context_topic).apply(bootstrapped(counters))
    if partitions == 1:
        inputs = [*(changes(t) for t in tables), context]
        merged = inputs[0]
        for other in inputs[1:]:
            merged = merged.concat(other)
        out = merged.apply(one_stage, stateful=True).filter(lambda v: v is not None).apply(verdict)
    else:
        by_customer, by_payee = (internal(app, name, partitions) for name in STAGE_TOPICS)
        for sdf in [*(changes(t) for t in tables), context]:
            sdf.to_topic(dead_or(by_customer), key=lambda v: None if v["kind"] == "dead" else customer_key(v))
        customer = app.dataframe(by_customer).apply(customer_stage, stateful=True)
        customer.filter(lambda v: v["kind"] == "transfer").to_topic(by_payee, key=lambda v: v["tx"]["payee_token"])
        out = app.dataframe(by_payee).apply(payee_stage, stateful=True).apply(verdict)
    out = out.to_topic(dead_or(scores), key=lambda v: v.get("transfer_id"))
    alerted = out.filter(lambda v: v.get("kind") != "dead" and v["live"] and v["decision"] != "allow")
    alerted.update(lambda v: counters.alert()).to_topic(alerts, key=lambda v: v["transfer_id"])


def scored(value: dict[str, Any], config: ScoringConfig, model: LinearModel | None,
           challenger: LinearModel | None) -> dict[str, Any]:  # fmt: skip
    """The record on `fraud.scores` of a transfer with all its features."""
    tx = ft.Transfer(**value["tx"])
    features = value["features"]
    v = judge(features, config, model)
    shadow = shadow_verdict(features, config, v.model_version, challenger)
    return {
        "transfer_id": tx.transfer_id,
        "payer_account_id": tx.payer_account_id,
        "payee_key_token": tx.payee_token,
        "amount": tx.amount,
        "created_at_ms": tx.created_ms,
        "source_commit_ms": value["commit_ms"],
        "scored_at_ms": int(time.time() * 1000),
        "live": value["op"] == "c",
        "score": v.score,
        "decision": v.decision,
        "rules": [r["rule"] for r in v.reasons if r["kind"] == "rule"],
        "patterns": sorted({r["pattern"] for r in v.reasons if r["kind"] == "rule" and r.get("pattern")}),
        "reasons": v.reasons,
        "model_version": v.model_version,
        **(shadow or dict.fromkeys(SHADOW_FIELDS)),
        "features": {k: features.get(k) for k in ft.FEATURES},
    }


def _kafka() -> dict[str, str | int | float | bool]:
    return {
        "bootstrap.servers": _env("POROROCA_KAFKA_BOOTSTRAP"),
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "fraud",
        "sasl.password": _env("POROROCA_KAFKA_FRAUD_PASSWORD"),
    }


def one_stage_refused(partitions: int, topic_partitions: dict[str, int]) -> str | None:
    """Why the one-stage topology cannot run (None: it can, or it is not asked for)."""
    wide = sorted(t for t, n in topic_partitions.items() if n > 1)
    if partitions > 1 or not wide:
        return None
    return (f"the change topics {wide} have more than one partition: one stage would split a customer's history "
            "across them. Set POROROCA_FRAUD_PARTITIONS to at least their partition count (keyed stages).")  # fmt: skip


def wait_for_inputs(counters: Counters, partitions: int) -> None:
    """The change topics appear when the capture starts (`cdc apply`): until then, wait and say so."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient(_kafka())
    wanted = {topic_prefix() + t for t in ev.TABLES}
    while True:
        topics = admin.list_topics(timeout=10).topics
        missing = wanted - set(topics)
        if not missing:
            refused = one_stage_refused(partitions, {t: len(topics[t].partitions) for t in wanted})
            if refused:
                raise SystemExit(f"pororoca-fraud: {refused}")
            return
        counters.status = f"waiting for the change topics {sorted(missing)} (is the capture on? `pororoca cdc apply`)"
        log.info("pororoca-fraud: %s", counters.status)
        time.sleep(5)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from quixstreams import Application
    from quixstreams.kafka.configuration import ConnectionConfig

    counters = Counters()
    host, port = os.environ.get("POROROCA_FRAUD_HOST", "127.0.0.1"), int(_env("POROROCA_FRAUD_PORT"))
    threading.Thread(
        target=serve_health, args=(host, port, _env("POROROCA_FRAUD_HEALTH_PASSWORD"), counters), daemon=True
    ).start()
    log.info("pororoca-fraud: health on http://%s:%s/health", host, port)
    partitions = int(os.environ.get("POROROCA_FRAUD_PARTITIONS", "1"))
    counters.commit_interval_s = float(os.environ.get("POROROCA_FRAUD_COMMIT_INTERVAL", DEFAULT_COMMIT_INTERVAL))
    wait_for_inputs(counters, partitions)
    kafka = _kafka()
    app = Application(
        broker_address=ConnectionConfig(
            bootstrap_servers=str(kafka["bootstrap.servers"]),
            security_protocol="sasl_plaintext",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_username=str(kafka["sasl.username"]),
            sasl_password=str(kafka["sasl.password"]),
        ),
        consumer_group=GROUP,
        # The context topics' history (every account's opening, every device) is what the features stand on.
        auto_offset_reset="earliest",
        processing_guarantee="exactly-once",
        commit_interval=counters.commit_interval_s,
        # The loop checks whether a commit is due between polls: a long poll on a quiet stage would hold each
        # hop's transaction (and what the next stage may read) open for that long.
        consumer_poll_timeout=0.02,
        state_dir=_env("POROROCA_FRAUD_STATE_DIR"),
        # Unique per process (replicas must not fence each other), under the prefix the broker's ACL allows.
        producer_extra_config={
            "linger.ms": 2,
            "compression.type": "lz4",
            "transactional.id": f"{GROUP}-{uuid.uuid4()}",
        },
        consumer_extra_config={"fetch.wait.max.ms": 20},
        loglevel=os.environ.get("POROROCA_FRAUD_LOGLEVEL", "INFO"),
    )

    def dead_account(raw: Any, reason: str) -> dict[str, Any]:
        counters.dead_letters += 1
        return _dead("accounts", raw, reason)

    directory = AccountDirectory(_kafka(), Path(_env("POROROCA_FRAUD_STATE_DIR")), topic_prefix() + "accounts", DLQ,
                                 dead_account)  # fmt: skip
    build(
        app, counters, directory, int(os.environ.get("POROROCA_FRAUD_PARTITIONS", "1"))
    )  # declares (creates) the topics, the dead-letter one included
    directory.start()
    counters.status = "reading the account directory"
    while not directory.ready.wait(timeout=5):
        log.info("pororoca-fraud: %s", counters.status)
    counters.status = "scoring"
    log.info("pororoca-fraud: scoring started (model %s)", counters.model_version or "none: rules only")
    app.run()


if __name__ == "__main__":
    main()
