"""Clients for the running stack: one place that knows its endpoints and credentials.

Every engine sees the same Iceberg catalog under the same name, `lakehouse`: Trino's catalog,
Spark's catalog and the pyiceberg catalog all point at Nessie's Iceberg REST endpoint.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pororoca_core import credentials, kafka_access, manifest, services
from pororoca_core.errors import ConfigError, NotReady
from pororoca_core.paths import Paths
from pororoca_core.services import HOST, peer_host

if TYPE_CHECKING:
    import trino.dbapi
    from pyiceberg.catalog import Catalog
    from pyspark.sql import SparkSession

CATALOG = "lakehouse"
CONNECT_USER = "pororoca"  # stack/conf/connect/rest-users.properties


@dataclass(frozen=True)
class Endpoints:
    iceberg_rest: str
    nessie_api: str
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
            iceberg_rest=f"http://{peer_host('nessie')}:{ports['nessie_port']}/iceberg",
            nessie_api=f"http://{peer_host('nessie')}:{ports['nessie_port']}/api/v2",
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


def iceberg_catalog(ep: Endpoints) -> Catalog:
    from pyiceberg.catalog import load_catalog

    return load_catalog(
        CATALOG,
        type="rest",
        uri=ep.iceberg_rest,
        warehouse=ep.bucket,
        **{
            "s3.endpoint": ep.s3,
            "s3.region": ep.region,
            "s3.access-key-id": ep.access_key,
            "s3.secret-access-key": ep.secret_key,
            "s3.path-style-access": "true",
        },
    )


@dataclass(frozen=True)
class TableCommit:
    commit: str
    snapshot_id: int
    at: str


def table_history(ep: Endpoints, table: str, ref: str = "main") -> list[TableCommit]:
    """A table's versions, newest first. Nessie's Iceberg REST serves table metadata holding only the
    current snapshot; the history lives in Nessie's commit log, one commit per table change."""
    import requests

    key = table.split(".")
    found: list[TableCommit] = []
    params: dict[str, str | int] = {"fetch": "ALL", "max-records": 250}
    while True:
        r = requests.get(f"{ep.nessie_api}/trees/{ref}/history", params=params, timeout=30)
        r.raise_for_status()
        body = r.json()
        for entry in body["logEntries"]:
            for op in entry.get("operations") or []:
                if op["key"]["elements"] == key and op["type"] == "PUT":
                    meta = entry["commitMeta"]
                    found.append(TableCommit(meta["hash"], op["content"]["snapshotId"], meta["commitTime"]))
        if not body.get("hasMore"):
            return found
        params["page-token"] = body["token"]


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
        f"{prefix}.type": "rest",
        f"{prefix}.uri": ep.iceberg_rest,
        f"{prefix}.warehouse": ep.bucket,
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


def spark_env(ep: Endpoints) -> dict[str, str]:
    """The lakehouse key for the Spark driver, through the AWS SDK's environment credentials: a process's
    environment is readable by its own user only."""
    return {"AWS_ACCESS_KEY_ID": ep.access_key, "AWS_SECRET_ACCESS_KEY": ep.secret_key, "AWS_REGION": ep.region}


def spark_session(paths: Paths, app_name: str = "pororoca", driver_memory: str = "2g") -> SparkSession:
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
    os.environ.update(spark_env(ep))
    builder = SparkSession.builder.appName(app_name).master("local[2]").config("spark.driver.memory", driver_memory)
    for k, v in spark_conf(ep, jars).items():
        builder = builder.config(k, v)
    return builder.getOrCreate()
