"""The services of the local stack (`stack/services.toml`), their ports, order and rendered form."""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pororoca_core import kafka_access
from pororoca_core.errors import ConfigError
from pororoca_core.manifest import REPO_ROOT, Manifest
from pororoca_core.paths import Paths
from pororoca_core.render import render_value

SERVICES_PATH = REPO_ROOT / "stack" / "services.toml"
CONF_TEMPLATES = REPO_ROOT / "stack" / "conf"
HOST = "127.0.0.1"


def peer_host(service: str) -> str:
    """Where clients reach `service`: loopback locally; in a cluster the project image sets
    POROROCA_<SERVICE>_HOST to the Service name (the Helm chart does)."""
    return os.environ.get(f"POROROCA_{service.upper()}_HOST", HOST)


def s3_endpoint(ports: dict[str, int]) -> str:
    """The bundled MinIO, unless POROROCA_S3_ENDPOINT names another object store (the chart's externalS3)."""
    return os.environ.get("POROROCA_S3_ENDPOINT", f"http://{peer_host('minio')}:{ports['minio_port']}")


@dataclass(frozen=True)
class Port:
    name: str
    setting: str
    default: int

    def value(self, env: dict[str, str]) -> int:
        raw = env.get(self.setting)
        if raw is None:
            return self.default
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise ConfigError(f"{self.setting}={raw!r} is not a TCP port number")
        return int(raw)


@dataclass(frozen=True)
class Service:
    name: str
    component: str
    command: list[str]
    health: dict
    ports: tuple[Port, ...]
    depends_on: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    heap: str = ""
    stopsignal: str = "TERM"
    run_as: str = ""  # the system user to run as when started by root
    started: str = ""  # regex of the log line that says it is up

    def port_key(self, port: Port) -> str:
        return f"{self.name}_port" if port.name == "main" else f"{self.name}_{port.name}_port"


@dataclass(frozen=True)
class StackConfig:
    services: dict[str, Service]
    databases: tuple[str, ...]
    mariadb_databases: tuple[str, ...]
    replication_roles: tuple[str, ...]
    replication_users: tuple[str, ...]
    bucket: str
    region: str
    catalog_database: str  # the Iceberg catalog's tables live in this PostgreSQL database
    catalog_engines: tuple[str, ...]  # one login role each, `catalog_<engine>` (iceberg_catalog.sql)
    mlflow_bucket: str  # the model registry's artifacts

    def secret_names(self) -> list[str]:
        return [
            "postgres_superuser_password",
            "minio_root_user",
            "minio_root_password",
            # Encrypts every object at rest (MinIO's built-in KMS key; losing it loses the lake: back it up).
            "minio_kms_key",
            "lakehouse_access_key",
            "lakehouse_secret_key",
            # The HMAC key of silver's identifier tokens: outside the lake, with the other secrets.
            "pseudonymisation_key",
            *(f"postgres_{db}_password" for db in self.databases),
            *(f"postgres_{r}_password" for r in self.replication_roles),
            *(f"catalog_{e}_password" for e in self.catalog_engines),
            "mariadb_admin_password",
            "airflow_admin_password",
            "airflow_secret_key",
            "airflow_jwt_secret",
            "superset_admin_password",
            "superset_analyst_password",
            "superset_secret_key",
            # Signs Trino's node-to-node requests; the users' passwords are added by `governance sync`.
            "trino_shared_secret",
            # Keys the audit's query-text fingerprints (HMAC): a plain hash of a query naming a CPF is reversible.
            "trino_audit_fingerprint_key",
            # Kafka's principals (stack/kafka_principals.toml) and the Connect REST API's one user.
            *kafka_access.secret_names(),
            "connect_rest_password",
            # MLflow: its users, its Flask session key, the key of its artifact bucket (only the server holds it).
            "mlflow_admin_password",
            "mlflow_scorer_password",
            "mlflow_secret_key",
            "mlflow_s3_access_key",
            "mlflow_s3_secret_key",
            # The fraud processor's health endpoint.
            "fraud_health_password",
            *(f"mariadb_{db}_password" for db in self.mariadb_databases),
            *(f"mariadb_{u}_password" for u in self.replication_users),
        ]


def parse(data: dict) -> StackConfig:
    services = {}
    for name, s in data["services"].items():
        ports = tuple(Port(pname, p["setting"], p["default"]) for pname, p in s.get("ports", {}).items())
        services[name] = Service(
            name=name,
            component=s["component"],
            command=s["command"],
            health=s["health"],
            ports=ports,
            depends_on=tuple(s.get("depends_on", ())),
            env=s.get("env", {}),
            heap=s.get("heap", ""),
            stopsignal=s.get("stopsignal", "TERM"),
            run_as=s.get("run_as", ""),
            started=s.get("started", ""),
        )
    for svc in services.values():
        unknown = set(svc.depends_on) - services.keys()
        if unknown:
            raise ConfigError(f"service {svc.name} depends on unknown service(s) {sorted(unknown)}")
    return StackConfig(
        services=services,
        databases=tuple(data["postgres"]["databases"]),
        mariadb_databases=tuple(data["mariadb"]["databases"]),
        replication_roles=tuple(data["postgres"].get("replication_roles", ())),
        replication_users=tuple(data["mariadb"].get("replication_users", ())),
        bucket=data["lakehouse"]["bucket"],
        region=data["lakehouse"]["region"],
        catalog_database=data["catalog"]["database"],
        mlflow_bucket=data["mlflow"]["bucket"],
        catalog_engines=tuple(data["catalog"]["engines"]),
    )


def load(path: Path = SERVICES_PATH) -> StackConfig:
    with path.open("rb") as f:
        return parse(tomllib.load(f))


def start_order(services: dict[str, Service]) -> list[str]:
    """Dependencies first; ties keep the file's order so the sequence is stable. Rejects cycles."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in visiting:
            raise ConfigError(f"dependency cycle: {' -> '.join((*path, name))}")
        visiting.add(name)
        for dep in services[name].depends_on:
            visit(dep, (*path, name))
        visiting.discard(name)
        order.append(name)

    for name in services:
        visit(name, ())
    return order


def start_waves(services: dict[str, Service]) -> list[list[str]]:
    """Groups that can start together: each service lands in the first wave after all its dependencies."""
    level: dict[str, int] = {}
    for name in start_order(services):
        level[name] = 1 + max((level[d] for d in services[name].depends_on), default=-1)
    waves: list[list[str]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for name in start_order(services):
        waves[level[name]].append(name)
    return waves


def port_values(config: StackConfig, env: dict[str, str] | None = None) -> dict[str, int]:
    env = dict(os.environ) if env is None else env
    values: dict[str, int] = {}
    seen: dict[int, str] = {}
    for svc in config.services.values():
        for port in svc.ports:
            value = port.value(env)
            if value in seen:
                raise ConfigError(f"{port.setting} and {seen[value]} both use port {value}; give one another port")
            seen[value] = port.setting
            values[svc.port_key(port)] = value
    return values


def base_context(
    config: StackConfig,
    manifest: Manifest,
    paths: Paths,
    secrets: dict[str, str],
    jdks: dict[int, Path],
    env: dict[str, str] | None = None,
) -> dict[str, str]:
    ctx: dict[str, str] = {
        "host": HOST,
        "state": str(paths.state),
        "cache": str(paths.cache),
        "repo": str(REPO_ROOT),
        "python": sys.executable,  # the project's interpreter: what Airflow tasks run `pororoca` with
        "lakehouse.bucket": config.bucket,
        "lakehouse.region": config.region,
        "catalog_database": config.catalog_database,
        "mlflow.bucket": config.mlflow_bucket,
    }
    ctx.update({k: str(v) for k, v in port_values(config, env).items()})
    # Where a component reaches another one. Locally always loopback; the Helm chart substitutes Service names
    # into the same templates, so bind addresses (`host`) and peer addresses stay distinct.
    ctx.update({f"{name}_host": HOST for name in config.services})
    ctx.update({f"home.{c.name}": str(paths.component_home(c.name, c.version)) for c in manifest.components.values()})
    ctx.update({f"java.{k}": str(h) for k, h in jdks.items()})
    ctx.update({f"secret.{k}": v for k, v in secrets.items()})
    ctx.update({f"{s.name}_heap": s.heap for s in config.services.values() if s.heap})
    return ctx


def service_context(base: dict[str, str], service: Service, paths: Paths) -> dict[str, str]:
    return base | {
        "conf": str(paths.conf / service.name),
        "data": str(paths.data / service.name),
        "log": str(paths.logs / f"{service.name}.log"),
    }


@dataclass(frozen=True)
class RenderedService:
    service: Service
    command: list[str]
    env: dict[str, str]
    health: dict


def rendered(service: Service, ctx: dict[str, str]) -> RenderedService:
    src = f"services.toml [{service.name}]"
    return RenderedService(
        service=service,
        command=render_value(service.command, ctx, src),  # type: ignore[arg-type]
        env=render_value(service.env, ctx, src),  # type: ignore[arg-type]
        health=render_value(service.health, ctx, src),  # type: ignore[arg-type]
    )


def conf_templates(service: Service) -> list[Path]:
    root = CONF_TEMPLATES / service.name
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def isolated_env(config: StackConfig, state: Path, port_offset: int) -> dict[str, str]:
    """Settings for a second stack beside the usual one (tests, benchmarks): its own state and ports."""
    env = {"POROROCA_STATE_DIR": str(state)}
    for svc in config.services.values():
        for port in svc.ports:
            env[port.setting] = str(port.default + port_offset)
    return env
