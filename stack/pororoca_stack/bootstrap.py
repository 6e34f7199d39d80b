"""One-time and every-start steps around services: initialise data directories before the first
start, and create databases, roles, buckets and keys once a service is healthy. All idempotent."""

from __future__ import annotations

import base64
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pymysql
import requests
from psycopg import sql

from pororoca_core import health
from pororoca_core.errors import NotReady, OperationFailed
from pororoca_core.object_store import ObjectStore
from pororoca_core.paths import Paths
from pororoca_core.rows import scalar
from pororoca_core.services import CONF_TEMPLATES, HOST, StackConfig


@dataclass(frozen=True)
class Ctx:
    paths: Paths
    config: StackConfig
    secrets: dict[str, str]
    values: dict[str, str]  # the rendered base context (ports, homes, java)
    run_as: dict[str, str]  # service -> the system user it runs as (only when we are root)

    def data(self, service: str) -> Path:
        return self.paths.data / service


SUPERUSER = "pororoca"


def _chown(path: Path, user: str | None) -> None:
    if user:
        pw = pwd.getpwnam(user)
        os.chown(path, pw.pw_uid, pw.pw_gid)


def postgres_init(c: Ctx) -> None:
    data = c.data("postgres")
    if (data / "PG_VERSION").exists():
        return
    data.mkdir(parents=True, exist_ok=True)
    data.chmod(0o700)
    _chown(data, c.run_as.get("postgres"))
    with tempfile.NamedTemporaryFile("w", delete=False, dir=c.paths.state) as pw:
        pw.write(c.secrets["postgres_superuser_password"])
    try:
        os.chmod(pw.name, 0o600)
        _chown(Path(pw.name), c.run_as.get("postgres"))
        subprocess.run(
            ["/usr/lib/postgresql/15/bin/initdb", "-D", str(data), "-U", SUPERUSER, f"--pwfile={pw.name}",
             "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"],
            check=True, capture_output=True, user=c.run_as.get("postgres"),
        )  # fmt: skip
    finally:
        os.unlink(pw.name)


def postgres_connect(c: Ctx, dbname: str = "postgres") -> psycopg.Connection:
    return psycopg.connect(
        host=HOST,
        port=int(c.values["postgres_port"]),
        user=SUPERUSER,
        password=c.secrets["postgres_superuser_password"],
        dbname=dbname,
        autocommit=True,
    )


def _ensure_role(conn: psycopg.Connection, name: str, password: str, attributes: str = "LOGIN") -> None:
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    conn.execute(
        sql.SQL(f"{verb} ROLE {{}} {attributes} PASSWORD {{}}").format(sql.Identifier(name), sql.Literal(password))
    )


def postgres_databases(c: Ctx) -> None:
    with postgres_connect(c) as conn:
        for db in c.config.databases:
            _ensure_role(conn, db, c.secrets[f"postgres_{db}_password"])
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(db), sql.Identifier(db)))
        for role in c.config.replication_roles:
            _ensure_role(conn, role, c.secrets[f"postgres_{role}_password"], "LOGIN REPLICATION")


CATALOG_SQL = CONF_TEMPLATES / "postgres" / "iceberg_catalog.sql"


def catalog_database(c: Ctx) -> None:
    apply_iceberg_catalog(lambda db: postgres_connect(c, db), c.config, c.secrets)


def apply_iceberg_catalog(
    admin: Callable[[str], psycopg.Connection], config: StackConfig, secrets: dict[str, str]
) -> list[str]:
    """The Iceberg catalog: its database (no other role may connect), one login role per engine with its
    generated password, and the tables with their grants and row-level security (iceberg_catalog.sql).
    `admin(dbname)` connects as a superuser (autocommit). Both runtimes run this: `up` locally, the catalog
    Job in a cluster. Returns the roles."""
    db = config.catalog_database
    roles = [f"catalog_{e}" for e in config.catalog_engines]
    with admin("postgres") as conn:
        for role in roles:
            _ensure_role(conn, role, secrets[f"{role}_password"])
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(db)))
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(db), sql.SQL(", ").join(sql.Identifier(r) for r in roles)
            )
        )
    with admin(db) as conn, conn.transaction():
        conn.execute(CATALOG_SQL.read_text())  # our own file, without parameters: one simple query
    return roles


def mariadb_init(c: Ctx) -> None:
    data = c.data("mariadb")
    if (data / "mysql").is_dir():
        return
    data.mkdir(parents=True, exist_ok=True)
    user = c.run_as.get("mariadb")
    _chown(data, user)
    # root (and the installing OS user) authenticate over the local socket only: no password to leak.
    subprocess.run(
        ["/usr/bin/mariadb-install-db", "--no-defaults", f"--datadir={data}", "--skip-test-db",
         "--auth-root-authentication-method=socket", *([f"--user={user}"] if user else [])],
        check=True, capture_output=True,
    )  # fmt: skip


def mariadb_socket(c: Ctx) -> str:
    return str(c.paths.conf / "mariadb" / "mariadb.sock")


def mariadb_users(c: Ctx) -> None:
    conn = pymysql.connect(unix_socket=mariadb_socket(c), user=pwd.getpwuid(os.geteuid()).pw_name, autocommit=True)
    with conn, conn.cursor() as cur:

        def user(name: str, password: str, grant: str) -> None:
            cur.execute("CREATE USER IF NOT EXISTS %s@'127.0.0.1' IDENTIFIED BY %s", (name, password))
            cur.execute("ALTER USER %s@'127.0.0.1' IDENTIFIED BY %s", (name, password))
            cur.execute(grant.replace("{user}", "%s@'127.0.0.1'"), (name,))

        user(SUPERUSER, c.secrets["mariadb_admin_password"], "GRANT ALL PRIVILEGES ON *.* TO {user} WITH GRANT OPTION")
        for db in c.config.mariadb_databases:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            user(db, c.secrets[f"mariadb_{db}_password"], f"GRANT ALL PRIVILEGES ON `{db}`.* TO {{user}}")
        for name in c.config.replication_users:
            # What Debezium needs: a consistent snapshot of every database and the binlog stream.
            user(
                name,
                c.secrets[f"mariadb_{name}_password"],
                "GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO {user}",
            )


def kafka_format(c: Ctx) -> None:
    data = c.data("kafka")
    if (data / "meta.properties").exists():
        return
    data.mkdir(parents=True, exist_ok=True)
    # One id in 64 starts with '-': joined to its option, never read as another option.
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    java = c.values["java.17"]
    kafka = c.values["home.kafka"]
    conf = c.paths.conf / "kafka" / "server.properties"
    subprocess.run(
        [f"{java}/bin/java", "-cp", f"{kafka}/lib/*", "kafka.tools.StorageTool", "format",
         f"--cluster-id={cluster_id}", "-c", str(conf), "--ignore-formatted"],
        check=True, capture_output=True,
        env={**os.environ, "POROROCA_KAFKA_ADMIN_PASSWORD": c.secrets["kafka_admin_password"]},
    )  # fmt: skip


def kafka_principals(c: Ctx) -> None:
    """SCRAM users and ACLs of stack/kafka_principals.toml. The listener opens before the controller has
    elected itself: retry until the broker answers admin requests."""
    from confluent_kafka import KafkaException

    from pororoca_core import kafka_access

    bootstrap = f"{HOST}:{c.values['kafka_port']}"
    deadline = time.monotonic() + 120
    while True:
        try:
            kafka_access.apply(bootstrap, c.secrets, timeout=15)
            return
        except KafkaException as e:
            if time.monotonic() > deadline:
                raise OperationFailed(f"kafka: applying principals and ACLs failed: {e}") from e
            time.sleep(2)


LAKEHOUSE_POLICY, MLFLOW_POLICY = "pororoca-lakehouse", "pororoca-mlflow"


def _bucket_with_key(c: Ctx, bucket: str, policy_name: str, key: tuple[str, str]) -> None:
    root = (c.secrets["minio_root_user"], c.secrets["minio_root_password"])
    ObjectStore(f"{HOST}:{c.values['minio_port']}", root, c.config.region).bucket_with_key(bucket, policy_name, key)


def minio_lakehouse(c: Ctx) -> None:
    key = (c.secrets["lakehouse_access_key"], c.secrets["lakehouse_secret_key"])
    _bucket_with_key(c, c.config.bucket, LAKEHOUSE_POLICY, key)


def minio_mlflow(c: Ctx) -> None:
    key = (c.secrets["mlflow_s3_access_key"], c.secrets["mlflow_s3_secret_key"])
    _bucket_with_key(c, c.config.mlflow_bucket, MLFLOW_POLICY, key)


def ensure_mlflow_scorer(url: str, admin_password: str, scorer_password: str) -> None:
    """The scorer's read-only user (default permission READ), created once through MLflow's admin API."""
    base = f"{url}/api/2.0/mlflow/users"
    admin = ("admin", admin_password)
    got = requests.get(f"{base}/get", params={"username": "scorer"}, auth=admin, timeout=10)
    if got.status_code == 200:
        return
    made = requests.post(
        f"{base}/create", json={"username": "scorer", "password": scorer_password}, auth=admin, timeout=10
    )
    if made.status_code != 200:
        raise OperationFailed(f"mlflow: creating the scorer user failed: HTTP {made.status_code} {made.text[:200]}")


def mlflow_users(c: Ctx) -> None:
    url = f"http://{HOST}:{c.values['mlflow_port']}"
    ensure_mlflow_scorer(url, c.secrets["mlflow_admin_password"], c.secrets["mlflow_scorer_password"])


def airflow_prepare(c: Ctx) -> None:
    """The admin's generated password where Airflow's simple auth manager reads it (mode 0600), then the
    metadata schema (`airflow db migrate` is idempotent and a no-op when current)."""
    conf = c.paths.conf / "airflow"
    conf.mkdir(parents=True, exist_ok=True)
    passwords = conf / "passwords.json"
    fd = os.open(passwords, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"admin": c.secrets["airflow_admin_password"]}, f)
    (c.paths.logs / "airflow").mkdir(parents=True, exist_ok=True)
    env = os.environ | {
        "AIRFLOW_HOME": str(c.data("airflow")),
        "AIRFLOW_CONFIG": str(conf / "airflow.cfg"),
        "PATH": f"{c.values['home.airflow']}/bin:/usr/bin:/bin",
    }
    r = subprocess.run(
        [f"{c.values['home.airflow']}/bin/airflow", "db", "migrate"], env=env, capture_output=True, text=True
    )
    if r.returncode != 0:
        raise OperationFailed(f"airflow db migrate failed:\n{r.stdout[-2000:]}{r.stderr[-3000:]}")


def superset_env(c: Ctx) -> dict[str, str]:
    return os.environ | {
        "SUPERSET_CONFIG_PATH": str(c.paths.conf / "superset" / "superset_config.py"),
        "SUPERSET_HOME": str(c.data("superset")),
        "FLASK_APP": "superset",
        "PATH": f"{c.values['home.superset']}/bin:/usr/bin:/bin",
        "SUPERSET_SECRET_KEY": c.secrets["superset_secret_key"],
        "SUPERSET_DB_PASSWORD": c.secrets["postgres_superset_password"],
    }


def superset_prepare(c: Ctx) -> None:
    """Metadata schema (`db upgrade`, a quick no-op when current), the admin user once (its generated password
    on stdin, never on a command line), then built-in roles and permissions (`init`, slow) once per schema
    revision: a marker written after it succeeds makes later starts skip it."""
    superset = f"{c.values['home.superset']}/bin/superset"
    env = superset_env(c)

    def run(*args: str, stdin: str | None = None) -> None:
        r = subprocess.run([superset, *args], env=env, input=stdin, capture_output=True, text=True)
        if r.returncode != 0:
            raise OperationFailed(f"superset {args[0]} failed:\n{r.stdout[-2000:]}{r.stderr[-3000:]}")

    run("db", "upgrade")
    with postgres_connect(c, "superset") as conn:
        revision = scalar(conn.execute("SELECT version_num FROM alembic_version").fetchone(), "alembic_version")
        has_admin = conn.execute("SELECT 1 FROM ab_user WHERE username = 'admin'").fetchone()
    if not has_admin:
        password = c.secrets["superset_admin_password"]
        run("fab", "create-admin", "--username", "admin", "--firstname", "Pororoca", "--lastname", "Admin",
            "--email", "admin@pororoca.invalid", stdin=f"{password}\n{password}\n")  # fmt: skip
    marker = c.data("superset") / f".initialised-{revision}"
    if not marker.exists():
        run("init")
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()


def trino_plugins(c: Ctx) -> None:
    """Trino's plugin directory: the server's own plugins and our audit listener, as links."""
    plugins = c.data("trino") / "plugins"
    audit = Path(c.values["home.trino_audit"], "plugin")
    if not audit.is_dir():
        raise NotReady(f"the Trino audit listener is not installed ({audit}): run `make install`")
    shutil.rmtree(plugins, ignore_errors=True)
    plugins.mkdir(parents=True)
    for source in [*Path(c.values["home.trino"], "plugin").iterdir(), *audit.iterdir()]:
        (plugins / source.name).symlink_to(source)


def trino_security(c: Ctx) -> None:
    """TLS key pair, users, groups and access rules from the LGPD classification (`governance sync`)."""
    from pororoca_governance import prepare_trino_security

    prepare_trino_security(c.paths, HOST)


def connect_restart_failed(c: Ctx) -> None:
    """Restart the failed connectors and tasks of a running Connect worker (only those: the others keep their
    place), e.g. a sink task that gave up while the object store was away. Connect never retries them itself."""
    url, auth = f"http://{HOST}:{c.values['connect_port']}", ("pororoca", c.secrets["connect_rest_password"])
    statuses = requests.get(f"{url}/connectors", params={"expand": "status"}, auth=auth, timeout=10).json()
    for name in sorted({f.split(" ", 1)[0] for f in health.failed_connectors(statuses)}):
        print(f"  connect   restarting the failed parts of connector {name}")
        only_failed = {"includeTasks": "true", "onlyFailed": "true"}
        r = requests.post(f"{url}/connectors/{name}/restart", params=only_failed, auth=auth, timeout=30)
        if r.status_code not in (200, 202, 204):
            raise OperationFailed(f"connect: restarting {name} answered HTTP {r.status_code}: {r.text[:300]}")


Hook = Callable[[Ctx], None]
BEFORE_START: dict[str, list[Hook]] = {
    "postgres": [postgres_init],
    "mariadb": [mariadb_init],
    "kafka": [kafka_format],
    "airflow": [airflow_prepare],
    "superset": [superset_prepare],
    "trino": [trino_plugins, trino_security],
}
AFTER_HEALTHY: dict[str, list[Hook]] = {
    "postgres": [postgres_databases, catalog_database],
    "mariadb": [mariadb_users],
    "minio": [minio_lakehouse, minio_mlflow],
    "mlflow": [mlflow_users],
    "kafka": [kafka_principals],
    # Also when Trino is already running: `up` re-renders the committed rules over a later sync's.
    "trino": [trino_security],
}
# A running service found unhealthy gets these first; `up` restarts its process only if they do not heal it.
REPAIR: dict[str, list[Hook]] = {
    "connect": [connect_restart_failed],
}
