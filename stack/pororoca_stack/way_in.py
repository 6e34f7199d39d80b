"""The way in: every UI and endpoint of the local stack, who logs in there, and how to get that password.

Passwords live only in the 0600 credentials file; `pororoca urls` names the command that prints one
(`pororoca credentials show <login>`), never the password itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from pororoca_core import services
from pororoca_core.services import HOST


@dataclass(frozen=True)
class Login:
    name: str  # what `pororoca credentials show` takes
    user: str  # the user name, or the credentials key holding it when it is generated (`key:...`)
    password_key: str

    def user_name(self, secrets: dict[str, str]) -> str:
        return secrets.get(self.user[4:], "?") if self.user.startswith("key:") else self.user


@dataclass(frozen=True)
class Endpoint:
    what: str
    url: str
    logins: tuple[Login, ...] = ()
    note: str = ""


def logins(secrets: dict[str, str]) -> dict[str, Login]:
    """Every login the stack generated a password for. Trino's users come from the credentials file, where
    `governance sync` adds one per role user."""
    fixed = [
        Login("superset-analyst", "analyst", "superset_analyst_password"),
        Login("superset-admin", "admin", "superset_admin_password"),
        Login("airflow-admin", "admin", "airflow_admin_password"),
        Login("minio-root", "key:minio_root_user", "minio_root_password"),
        Login("connect-rest", "pororoca", "connect_rest_password"),
        # The operator's Kafka principal (SASL SCRAM-SHA-512); the services' own are in stack/kafka_principals.toml.
        Login("kafka-pororoca", "pororoca", "kafka_pororoca_password"),
        Login("mlflow-admin", "admin", "mlflow_admin_password"),
        Login("fraud-health", "pororoca", "fraud_health_password"),
    ]
    trino = [
        Login(f"trino-{key[6:-9]}", key[6:-9], key)
        for key in sorted(secrets)
        if key.startswith("trino_") and key.endswith("_password")
    ]
    return {login.name: login for login in (*fixed, *trino)}


def endpoints(ports: dict[str, int], secrets: dict[str, str], trino_ca: str) -> list[Endpoint]:
    known = logins(secrets)
    config = services.load()
    trino = tuple(v for k, v in known.items() if k.startswith("trino-"))
    return [
        Endpoint("Superset (KPI dashboards)", f"http://{HOST}:{ports['superset_port']}",
                 (known["superset-analyst"], known["superset-admin"])),
        Endpoint("Airflow (pipelines)", f"http://{HOST}:{ports['airflow_port']}", (known["airflow-admin"],)),
        Endpoint("Trino (SQL, catalog `lakehouse`)", f"https://{HOST}:{ports['trino_port']}", trino,
                 f"trust {trino_ca}"),
        Endpoint("MinIO console (object store)", f"http://{HOST}:{ports['minio_console_port']}",
                 (known["minio-root"],), f"S3 API at http://{HOST}:{ports['minio_port']}"),
        Endpoint("Kafka Connect (CDC connectors)", f"http://{HOST}:{ports['connect_port']}",
                 (known["connect-rest"],), "HTTP Basic"),
        Endpoint("Kafka (change topics)", f"{HOST}:{ports['kafka_port']}", (known["kafka-pororoca"],),
                 "SASL_PLAINTEXT, SCRAM-SHA-512"),
        Endpoint("MLflow (fraud models, registry)", f"http://{HOST}:{ports['mlflow_port']}", (known["mlflow-admin"],),
                 "HTTP Basic; the processor reads as `scorer`"),
        Endpoint("Fraud processor (counters)", f"http://{HOST}:{ports['fraud_port']}/health", (known["fraud-health"],),
                 "scores on topic fraud.scores, alerts on fraud.alerts"),
        Endpoint("Fraud API (scores, open alerts, dispositions)", f"http://{HOST}:{ports['fraud_api_port']}/docs",
                 tuple(v for k, v in known.items() if k == "trino-fraud_analyst"),
                 "HTTP Basic as a Trino user; fraud ops (role fraud_ops) record dispositions"),
        Endpoint("Iceberg JDBC catalog (PostgreSQL)",
                 f"jdbc:postgresql://{HOST}:{ports['postgres_port']}/{config.catalog_database}",
                 (), "catalog `lakehouse`; engines only, one role each (people query through Trino)"),
    ]  # fmt: skip


def render(eps: list[Endpoint], secrets: dict[str, str], credentials_file: str) -> str:
    lines = []
    for ep in eps:
        lines.append(f"  {ep.what:<34} {ep.url}" + (f"   ({ep.note})" if ep.note else ""))
        for login in ep.logins:
            user = login.user_name(secrets) if not login.user.startswith("key:") else (
                f"`pororoca credentials show {login.name} --user`"
            )  # fmt: skip
            lines.append(f"      user {user:<10} password: `pororoca credentials show {login.name}`")
    lines.append(f"  Passwords live in {credentials_file} (mode 0600); `pororoca credentials list` names them.")
    return "\n".join(lines)


def port_map() -> dict[str, int]:
    return services.port_values(services.load())
