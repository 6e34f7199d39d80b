"""Kafka principals and their ACLs as data (`stack/kafka_principals.toml`), and the step that makes the broker
match them: SCRAM credentials created once, ACLs added and removed until they are exactly the declared ones."""

from __future__ import annotations

import tomllib
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pororoca_core.errors import ConfigError
from pororoca_core.manifest import REPO_ROOT

if TYPE_CHECKING:
    from confluent_kafka.admin import AclBinding

PRINCIPALS_PATH = REPO_ROOT / "stack" / "kafka_principals.toml"
ADMIN = "admin"  # the brokers' own identity and the only super user; authenticates with PLAIN (a static JAAS user)
MECHANISM = "SCRAM-SHA-512"
ITERATIONS = 8192
RESOURCES = ("topic", "group", "transactional_id", "cluster")
OPERATIONS = (
    "read", "write", "create", "delete", "alter", "describe", "describe_configs", "alter_configs",
    "idempotent_write", "all",
)  # fmt: skip


# librdkafka names Kafka's CLUSTER resource type BROKER (the same wire value).
_RESOURCE_TYPES = {"topic": "TOPIC", "group": "GROUP", "transactional_id": "TRANSACTIONAL_ID", "cluster": "BROKER"}


@dataclass(frozen=True)
class Acl:
    resource: str
    name: str
    prefixed: bool
    operation: str


@dataclass(frozen=True)
class Principal:
    name: str
    about: str
    acls: tuple[Acl, ...]

    @property
    def secret(self) -> str:
        return f"kafka_{self.name}_password"

    @property
    def env(self) -> str:
        return f"POROROCA_KAFKA_{self.name.upper()}_PASSWORD"

    @property
    def user(self) -> str:
        """The SCRAM user name (Kafka principal `User:<user>`): the config name with dashes."""
        return self.name.replace("_", "-")


class PrincipalsError(ConfigError):
    pass


def parse(data: dict, source: str = str(PRINCIPALS_PATH)) -> dict[str, Principal]:
    found = {}
    for name, p in data.get("principals", {}).items():
        if name == ADMIN:
            raise PrincipalsError(f"{source}: {ADMIN} is the brokers' super user, not a principal to declare")
        acls = []
        for i, rule in enumerate(p.get("acls", [])):
            where = f"{source}: principals.{name}.acls[{i}]"
            if rule.get("resource") not in RESOURCES:
                raise PrincipalsError(f"{where}: resource must be one of {', '.join(RESOURCES)}")
            if ("name" in rule) == ("prefix" in rule):
                raise PrincipalsError(f"{where}: give exactly one of name (literal) or prefix")
            bad = [op for op in rule.get("operations", []) if op not in OPERATIONS]
            if bad or not rule.get("operations"):
                raise PrincipalsError(f"{where}: unknown or missing operations {bad}; known: {', '.join(OPERATIONS)}")
            for op in rule["operations"]:
                acls.append(Acl(rule["resource"], rule.get("name", rule.get("prefix")), "prefix" in rule, op))
        found[name] = Principal(name, p.get("about", ""), tuple(acls))
    return found


def load(path: Path = PRINCIPALS_PATH) -> dict[str, Principal]:
    return parse(tomllib.loads(path.read_text()), str(path))


def secret_names(path: Path = PRINCIPALS_PATH) -> list[str]:
    return [f"kafka_{ADMIN}_password", *(p.secret for p in load(path).values())]


def client_config(bootstrap: str, user: str, password: str) -> dict[str, str]:
    """librdkafka settings for one principal (confluent_kafka's Producer, Consumer, AdminClient)."""
    mechanism = "PLAIN" if user == ADMIN else MECHANISM
    return {
        "bootstrap.servers": bootstrap,
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanisms": mechanism,
        "sasl.username": user,
        "sasl.password": password,
    }


def bindings(principal: Principal) -> set[AclBinding]:
    from confluent_kafka.admin import AclBinding, AclOperation, AclPermissionType, ResourcePatternType, ResourceType

    return {
        AclBinding(
            ResourceType[_RESOURCE_TYPES[a.resource]], a.name,
            ResourcePatternType.PREFIXED if a.prefixed else ResourcePatternType.LITERAL,
            f"User:{principal.user}", "*", AclOperation[a.operation.upper()], AclPermissionType.ALLOW,
        )
        for a in principal.acls
    }  # fmt: skip


@dataclass(frozen=True)
class Applied:
    users_created: list[str]
    acls_added: int
    acls_removed: int


def apply(bootstrap: str, secrets: dict[str, str], timeout: float = 30) -> Applied:
    """As the super user: create the SCRAM credentials that are missing (passwords never change), then add and
    remove ACLs so each declared principal holds exactly its declared ones."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import (
        AclBindingFilter,
        AclOperation,
        AclPermissionType,
        AdminClient,
        ResourcePatternType,
        ResourceType,
        ScramCredentialInfo,
        ScramMechanism,
        UserScramCredentialAlteration,
        UserScramCredentialUpsertion,
    )

    principals = load()
    admin = AdminClient({**client_config(bootstrap, ADMIN, secrets[f"kafka_{ADMIN}_password"]), "log_level": 2})
    users = [p.user for p in principals.values()]
    described = cast(dict[str, Future], admin.describe_user_scram_credentials(users, request_timeout=timeout))
    missing = []
    for user, future in described.items():
        try:
            if any(c.mechanism == ScramMechanism.SCRAM_SHA_512 for c in future.result().scram_credential_infos):
                continue
        except KafkaException:  # RESOURCE_NOT_FOUND: the user has no credential yet
            pass
        missing.append(user)
    by_user = {p.user: p for p in principals.values()}
    if missing:
        info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS)
        upserts: list[UserScramCredentialAlteration] = [
            UserScramCredentialUpsertion(u, info, secrets[by_user[u].secret].encode()) for u in missing
        ]
        for future in admin.alter_user_scram_credentials(upserts, request_timeout=timeout).values():
            future.result()
    anything: Any = None  # "any" in a filter; the library's type stubs do not allow it
    any_filter = AclBindingFilter(
        ResourceType.ANY, anything, ResourcePatternType.ANY, anything, anything, AclOperation.ANY, AclPermissionType.ANY
    )
    current = set(admin.describe_acls(any_filter, request_timeout=timeout).result())
    wanted = set().union(*(bindings(p) for p in principals.values()))
    declared = {f"User:{u}" for u in users}
    stale = [b for b in current - wanted if b.principal in declared]
    new = list(wanted - current)
    if new:
        for future in admin.create_acls(new, request_timeout=timeout).values():
            future.result()
    if stale:
        filters = [
            AclBindingFilter(b.restype, b.name, b.resource_pattern_type, b.principal, b.host, b.operation,
                             b.permission_type)
            for b in stale
        ]  # fmt: skip
        for future in admin.delete_acls(filters, request_timeout=timeout).values():
            future.result()
    return Applied(missing, len(new), len(stale))
