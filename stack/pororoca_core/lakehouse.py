"""Clients for the running stack: one place that knows its endpoints and credentials.

Every engine sees the same Iceberg catalog under the same name, `lakehouse`: Iceberg's JDBC catalog, two tables
in the stack's PostgreSQL (stack/conf/postgres/iceberg_catalog.sql). Trino, Spark, the Connect sinks and
pyiceberg read and commit there, each as its own PostgreSQL role (`catalog_<engine>`), allowed only what that
engine needs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pororoca_core import credentials, kafka_access, manifest, services
from pororoca_core.errors import ConfigError, NotReady
from pororoca_core.paths import Paths
from pororoca_core.services import HOST, peer_host

if TYPE_CHECKING:
    import trino.dbapi
    from pyiceberg.catalog import Catalog
    from pyspark.sql import SparkSession

CATALOG = "lakehouse"
Engine = Literal["trino", "spark", "connect", "contracts", "lgpd"]
CONNECT_USER = "pororoca"  # stack/conf/connect/rest-users.properties


@dataclass(frozen=True)
class Endpoints:
    catalog_host: str
    catalog_port: int
    catalog_database: str
    catalog_passwords: dict[str, str]  # engine -> its catalog role's password
    s3: str
    region: str
    bucket: str
    access_key: str
    secret_key: str
    trino_port: int
    trino_ca: str | None  # HTTPS with this certificate; None: plain HTTP (a cluster without Trino TLS yet)
    trino_passwords: dict[str, str]
    kafka_bootstrap: str
    kafka: dict[str, str]  # confluent_kafka settings of the operator's principal, `pororoca`
    connect_url: str
    connect_auth: tuple[str, str]  # the Connect REST API's user

    @classmethod
    def of(cls, paths: Paths) -> Endpoints:
        config = services.load()
        ports = services.port_values(config)
        secrets = credentials.load(paths.credentials)
        if not secrets:
            raise NotReady(f"no credentials at {paths.credentials}: run `make up` first")
        bootstrap = f"{peer_host('kafka')}:{ports['kafka_port']}"
        return cls(
            catalog_host=peer_host("postgres"),
            catalog_port=ports["postgres_port"],
            catalog_database=config.catalog_database,
            catalog_passwords={e: secrets[f"catalog_{e}_password"] for e in config.catalog_engines},
            s3=services.s3_endpoint(ports),
            region=config.region,
            bucket=config.bucket,
            access_key=secrets["lakehouse_access_key"],
            secret_key=secrets["lakehouse_secret_key"],
            trino_port=ports["trino_port"],
            trino_ca=str(paths.trino_ca) if paths.trino_ca.exists() else None,
            trino_passwords={
                k.removeprefix("trino_").removesuffix("_password"): v
                for k, v in secrets.items()
                if k.startswith("trino_") and k.endswith("_password")
            },
            kafka_bootstrap=bootstrap,
            kafka=kafka_access.client_config(bootstrap, "pororoca", secrets["kafka_pororoca_password"]),
            connect_url=f"http://{peer_host('connect')}:{ports['connect_port']}",
            connect_auth=(CONNECT_USER, secrets["connect_rest_password"]),
        )

    @property
    def warehouse(self) -> str:
        return f"s3://{self.bucket}"

    def catalog_jdbc_url(self) -> str:
        return f"jdbc:postgresql://{self.catalog_host}:{self.catalog_port}/{self.catalog_database}"

    def catalog_password(self, engine: Engine) -> str:
        if engine not in self.catalog_passwords:
            raise ConfigError(f"no catalog role for engine {engine!r}: known {sorted(self.catalog_passwords)}")
        return self.catalog_passwords[engine]


def catalog_role(engine: Engine) -> str:
    return f"catalog_{engine}"


def iceberg_catalog(ep: Endpoints, engine: Engine) -> Catalog:
    """pyiceberg on the JDBC catalog's tables, as `engine`'s catalog role: `contracts` for table contracts and
    properties, `lgpd` for the LGPD tooling's reads (stack/conf/postgres/iceberg_catalog.sql)."""
    from pyiceberg.catalog.sql import SqlCatalog
    from sqlalchemy.engine import URL

    uri = URL.create(
        "postgresql+psycopg", username=catalog_role(engine), password=ep.catalog_password(engine),
        host=ep.catalog_host, port=ep.catalog_port, database=ep.catalog_database,
    )  # fmt: skip
    return SqlCatalog(
        CATALOG,
        uri=uri.render_as_string(hide_password=False),
        # The tables exist (the stack creates them with their grants); no engine role may create them.
        init_catalog_tables="false",
        warehouse=ep.warehouse,
        **{
            "s3.endpoint": ep.s3,
            "s3.region": ep.region,
            "s3.access-key-id": ep.access_key,
            "s3.secret-access-key": ep.secret_key,
            "s3.path-style-access": "true",
        },
    )


def trino_connection(ep: Endpoints, user: str = "pororoca") -> trino.dbapi.Connection:
    """As one of the Trino users of the access policy (`governance/lgpd/access.toml`), with its password."""
    import trino.auth
    import trino.dbapi

    host = peer_host("trino")
    if ep.trino_ca is None:
        return trino.dbapi.connect(host=host, port=ep.trino_port, user=user, catalog=CATALOG, http_scheme="http")
    if user not in ep.trino_passwords:
        raise ConfigError(f"no Trino password for user {user!r}: known users {sorted(ep.trino_passwords)}")
    import requests

    # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE from the environment override a session's `verify`:
    # this session trusts exactly the stack's certificate, whatever the environment says.
    session = requests.Session()
    session.trust_env = False
    session.verify = ep.trino_ca
    return trino.dbapi.connect(
        host=host, port=ep.trino_port, user=user, catalog=CATALOG, http_scheme="https",
        auth=trino.auth.BasicAuthentication(user, ep.trino_passwords[user]), http_session=session,
    )  # fmt: skip


def spark_conf(ep: Endpoints, jars: list[str]) -> dict[str, str]:
    prefix = f"spark.sql.catalog.{CATALOG}"
    return {
        "spark.jars": ",".join(jars),
        "spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        prefix: "org.apache.iceberg.spark.SparkCatalog",
        f"{prefix}.type": "jdbc",
        f"{prefix}.uri": ep.catalog_jdbc_url(),
        f"{prefix}.jdbc.user": catalog_role("spark"),
        # No password here either: PostgreSQL's driver reads it from the pgpass file `spark_env` names.
        f"{prefix}.jdbc.init-catalog-tables": "false",
        f"{prefix}.warehouse": ep.warehouse,
        f"{prefix}.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
        f"{prefix}.s3.endpoint": ep.s3,
        f"{prefix}.s3.path-style-access": "true",
        # No keys here: PySpark passes every setting to spark-submit on its command line, which any local
        # account can read (/proc/<pid>/cmdline). S3FileIO takes them from the environment (`spark_env`).
        f"{prefix}.client.region": ep.region,
        "spark.sql.defaultCatalog": CATALOG,
        "spark.sql.session.timeZone": "UTC",
        # Local mode on a laptop: stay on loopback and keep the web UI off.
        "spark.driver.bindAddress": HOST,
        "spark.driver.host": HOST,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "4",
    }


def spark_env(ep: Endpoints, paths: Paths) -> dict[str, str]:
    """The lakehouse key for the Spark driver, through the AWS SDK's environment credentials (a process's
    environment is readable by its own user only), and its catalog role's password in a pgpass file (0600)
    that PostgreSQL's JDBC driver finds through PGPASSFILE."""
    pgpass = paths.state / "spark.pgpass"
    line = f"{ep.catalog_host}:{ep.catalog_port}:{ep.catalog_database}:{catalog_role('spark')}:"
    fd = os.open(pgpass, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(line + _pgpass_escape(ep.catalog_password("spark")) + "\n")
    return {
        "AWS_ACCESS_KEY_ID": ep.access_key,
        "AWS_SECRET_ACCESS_KEY": ep.secret_key,
        "AWS_REGION": ep.region,
        "PGPASSFILE": str(pgpass),
    }


def _pgpass_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def spark_session(
    paths: Paths, app_name: str = "pororoca", driver_memory: str = "2g", conf: Mapping[str, str] | None = None
) -> SparkSession:
    from pyspark.sql import SparkSession

    from pororoca_core.jdk import find_jdks

    man = manifest.load()
    spark = man["spark"]
    jars_dir = paths.component_home(spark.name, spark.version) / "jars"
    jars = sorted(str(j) for j in jars_dir.glob("*.jar"))
    if not jars:
        raise NotReady(f"no Iceberg jars for Spark in {jars_dir}: run `make install`")
    os.environ["JAVA_HOME"] = str(find_jdks(man, paths)[spark.java or 17])
    os.environ["SPARK_LOCAL_IP"] = HOST
    ep = Endpoints.of(paths)
    os.environ.update(spark_env(ep, paths))
    builder = SparkSession.builder.appName(app_name).master("local[2]").config("spark.driver.memory", driver_memory)
    for k, v in {**spark_conf(ep, jars), **(conf or {})}.items():
        builder = builder.config(k, v)
    return builder.getOrCreate()
