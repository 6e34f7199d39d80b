"""Kafka principals as data: the file parses, and every identity a component is configured with exists there,
with its password passed the one way (the environment variable the service gets)."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from pororoca_core import kafka_access, services
from pororoca_core.manifest import REPO_ROOT

JAAS_USER = re.compile(r'username="([^"]+)" password="\$\{(?:env|ENV):([A-Z_]+)\}"')


def _jaas_in(text: str) -> list[tuple[str, str]]:
    return JAAS_USER.findall(text)


def test_the_principals_file_parses_and_names_a_secret_for_each():
    principals = kafka_access.load()
    assert {"connect", "cdc", "sink", "trino_audit", "pororoca"} <= set(principals)
    names = kafka_access.secret_names()
    assert "kafka_admin_password" in names
    assert all(p.secret in names for p in principals.values())
    assert all(p.acls for p in principals.values())


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"resource": "table", "name": "x", "operations": ["read"]}, "resource must be"),
        ({"resource": "topic", "name": "x", "prefix": "y", "operations": ["read"]}, "exactly one"),
        ({"resource": "topic", "name": "x", "operations": ["steal"]}, "unknown or missing operations"),
    ],
)
def test_a_malformed_rule_is_refused_with_its_place(rule, message):
    with pytest.raises(kafka_access.PrincipalsError, match=message) as e:
        kafka_access.parse({"principals": {"p": {"acls": [rule]}}}, "f.toml")
    assert "principals.p.acls[0]" in str(e.value)


def test_admin_cannot_be_declared():
    with pytest.raises(kafka_access.PrincipalsError, match="super user"):
        kafka_access.parse({"principals": {"admin": {"acls": []}}})


def test_acls_become_allow_bindings_for_the_principal():
    from confluent_kafka.admin import AclOperation, ResourcePatternType, ResourceType

    p = kafka_access.parse(
        {
            "principals": {
                "trino_audit": {
                    "acls": [
                        {"resource": "topic", "prefix": "a.", "operations": ["read", "write"]},
                        {"resource": "cluster", "name": "kafka-cluster", "operations": ["idempotent_write"]},
                    ]
                }
            }
        }
    )["trino_audit"]
    got = {(b.restype, b.name, b.resource_pattern_type, b.principal, b.operation) for b in kafka_access.bindings(p)}
    assert got == {
        (ResourceType.TOPIC, "a.", ResourcePatternType.PREFIXED, "User:trino-audit", AclOperation.READ),
        (ResourceType.TOPIC, "a.", ResourcePatternType.PREFIXED, "User:trino-audit", AclOperation.WRITE),
        (ResourceType.BROKER, "kafka-cluster", ResourcePatternType.LITERAL, "User:trino-audit",
         AclOperation.IDEMPOTENT_WRITE),
    }  # fmt: skip


def _identities_in_configs() -> list[tuple[str, str, str]]:
    """(file, user, env var) of every Kafka JAAS identity in the connectors and the services' config templates."""
    found = []
    files = [*(REPO_ROOT / "cdc" / "connectors").glob("*.json"), *(REPO_ROOT / "stack" / "conf").rglob("*.properties")]
    for f in files:
        text = f.read_text()
        if f.suffix == ".json":
            text = "\n".join(json.loads(text)["config"].values())
        found += [(f.name, user, env) for user, env in _jaas_in(text)]
    return found


def test_every_configured_kafka_identity_is_a_declared_principal_with_its_own_variable():
    by_user = {p.user: p for p in kafka_access.load().values()}
    identities = _identities_in_configs()
    assert len(identities) >= 10
    for where, user, env in identities:
        if user == kafka_access.ADMIN:
            assert env == "POROROCA_KAFKA_ADMIN_PASSWORD", where
            continue
        assert user in by_user, f"{where}: Kafka user {user} is not in stack/kafka_principals.toml"
        assert env == by_user[user].env, f"{where}: {user}'s password must come from {by_user[user].env}"


def test_each_service_gets_the_kafka_passwords_its_configuration_names():
    config = tomllib.loads(services.SERVICES_PATH.read_text())["services"]
    wanted = {"kafka": "server.properties", "connect": None, "trino": "audit-listener.properties"}
    for service, only in wanted.items():
        env = config[service].get("env", {})
        conf = REPO_ROOT / "stack" / "conf" / service
        texts = [f.read_text() for f in conf.rglob("*.properties") if only in (None, f.name)]
        if service == "connect":
            texts += [f.read_text() for f in (REPO_ROOT / "cdc" / "connectors").glob("*.json")]
        names = {v for t in texts for _u, v in _jaas_in(t.replace('\\"', '"'))}
        assert names, service
        for name in names:
            assert env.get(name, "").startswith("${secret.kafka_"), f"{service} lacks {name} in its environment"


def test_change_topics_are_created_with_the_settings_debezium_would_use():
    from pororoca_cdc.change_topics import creation_settings

    config = {
        "topic.prefix": "core",
        "topic.creation.default.partitions": "3",
        "topic.creation.default.replication.factor": "1",
        "topic.creation.default.retention.ms": "259200000",
        "topic.creation.default.compression.type": "producer",
    }
    assert creation_settings(config) == (3, 1, {"retention.ms": "259200000", "compression.type": "producer"})
