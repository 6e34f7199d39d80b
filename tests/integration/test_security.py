"""Security by default, checked on the running processes rather than on the config files."""

from __future__ import annotations

import ipaddress
import os
import pwd
import stat
import subprocess
from pathlib import Path

import psutil
import psycopg
import pytest
import requests
from minio import Minio
from minio.error import S3Error

from pororoca_core import credentials, kafka_access, lakehouse, services
from pororoca_stack.supervisor import Supervisor

from .conftest import ensure_gold, pororoca

pytestmark = pytest.mark.integration


def _service_pids(paths) -> dict[str, list[int]]:
    pids = {}
    for name, info in Supervisor(paths).all_info().items():
        proc = psutil.Process(info["pid"])
        pids[name] = [proc.pid, *(c.pid for c in proc.children(recursive=True))]
    return pids


def test_every_listening_socket_is_on_loopback(paths):
    owned = {pid: name for name, pids in _service_pids(paths).items() for pid in pids}
    listening = [c for c in psutil.net_connections("inet") if c.status == psutil.CONN_LISTEN and c.pid in owned]
    assert {owned[c.pid] for c in listening} >= {
        "postgres",
        "mariadb",
        "minio",
        "kafka",
        "connect",
        "trino",
        "airflow",
        "airflow_scheduler",
        "superset",
    }
    for c in listening:
        addr = ipaddress.ip_address(c.laddr.ip)
        mapped = getattr(addr, "ipv4_mapped", None)
        assert (mapped or addr).is_loopback, f"{owned[c.pid]} listens on {c.laddr.ip}:{c.laddr.port}"


def test_secrets_are_private_files(paths):
    trino = paths.conf / "trino"
    for path in (paths.credentials, paths.state / "supervisord.conf", paths.tls / "trino.pem", trino / "password.db"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_postgres_rejects_a_wrong_password(paths):
    ep_port = int(__import__("os").environ["POROROCA_POSTGRES_PORT"])
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(host="127.0.0.1", port=ep_port, user="pororoca", password="postgres", dbname="postgres")


def test_the_lakehouse_key_is_least_privilege(paths):
    ep = lakehouse.Endpoints.of(paths)
    client = Minio(ep.s3.removeprefix("http://"), access_key=ep.access_key, secret_key=ep.secret_key, secure=False)
    assert client.bucket_exists(ep.bucket)
    with pytest.raises(S3Error, match="AccessDenied"):
        client.make_bucket("not-the-lakehouse")
    root = credentials.load(paths.credentials)
    assert ep.access_key != root["minio_root_user"]


def test_the_cluster_bucket_step_gives_each_engine_key_its_bucket_only(paths):
    """What the chart's minio-bucket Job runs, against the real MinIO: idempotent, and it leaves each key scoped."""
    config = services.load()
    result = pororoca("cluster", "lakehouse-bucket", "--lakehouse", config.bucket, "--mlflow", config.mlflow_bucket)
    assert result.stdout.count(": exists; its key may use it and nothing else") == 2, result.stdout
    ep = lakehouse.Endpoints.of(paths)
    lake = Minio(ep.s3.removeprefix("http://"), access_key=ep.access_key, secret_key=ep.secret_key, secure=False)
    assert lake.bucket_exists(ep.bucket)
    with pytest.raises(S3Error, match="AccessDenied"):
        list(lake.list_objects(config.mlflow_bucket))


def test_no_process_carries_a_secret_on_its_command_line(paths, lake_spark):
    """Any local account reads /proc/<pid>/cmdline: every secret travels by file or environment, the Spark
    driver's S3 key included (a session that writes and reads the lake is running while we look)."""
    spark = lake_spark
    spark.sql("CREATE NAMESPACE IF NOT EXISTS lakehouse.security_probe")
    spark.sql("CREATE TABLE IF NOT EXISTS lakehouse.security_probe.t (x int) USING iceberg")
    spark.sql("INSERT INTO lakehouse.security_probe.t VALUES (1)")
    assert spark.sql("SELECT count(*) AS n FROM lakehouse.security_probe.t").collect()[0]["n"] >= 1
    secrets = {k: v for k, v in credentials.load(paths.credentials).items() if len(v) >= 16}
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        leaked = [k for k, v in secrets.items() if v in cmdline]
        assert not leaked, f"pid {proc.info['pid']} carries {leaked} on its command line: {cmdline[:160]}"
    spark.sql("DROP TABLE lakehouse.security_probe.t PURGE")
    spark.sql("DROP NAMESPACE lakehouse.security_probe")


def _kafka_topics(config: dict[str, str], timeout: float = 8) -> set[str]:
    from confluent_kafka.admin import AdminClient

    return set(AdminClient({**config, "log_level": 0}).list_topics(timeout=timeout).topics)


@pytest.mark.parametrize("credentials_given", ["none", "wrong password"])
def test_kafka_refuses_a_client_without_valid_credentials(paths, credentials_given):
    from confluent_kafka import KafkaException

    ep = lakehouse.Endpoints.of(paths)
    config = {"bootstrap.servers": ep.kafka_bootstrap}
    if credentials_given == "wrong password":
        config = {**ep.kafka, "sasl.password": "not-the-password"}
    with pytest.raises(KafkaException):
        _kafka_topics(config, timeout=5)


def test_each_kafka_principal_sees_only_what_it_is_granted(paths):
    ep = lakehouse.Endpoints.of(paths)
    secrets = credentials.load(paths.credentials)
    operator = _kafka_topics(ep.kafka)
    assert "core.public.customers" in operator
    audit_writer = kafka_access.client_config(ep.kafka_bootstrap, "trino-audit", secrets["kafka_trino_audit_password"])
    visible = _kafka_topics(audit_writer)
    assert "core.public.customers" not in visible and not any(t.startswith(("core.", "acquiring.")) for t in visible)
    # The broker holds exactly the declared ACLs: applying the file again changes nothing.
    again = kafka_access.apply(ep.kafka_bootstrap, secrets)
    assert (again.users_created, again.acls_added, again.acls_removed) == ([], 0, 0)


def test_the_connect_rest_api_requires_its_password(paths):
    ep = lakehouse.Endpoints.of(paths)
    assert requests.get(f"{ep.connect_url}/connectors", timeout=10).status_code == 401
    wrong = (ep.connect_auth[0], "not-the-password")
    assert requests.get(f"{ep.connect_url}/connectors", auth=wrong, timeout=10).status_code == 401
    assert requests.get(f"{ep.connect_url}/connectors", auth=ep.connect_auth, timeout=10).status_code == 200


def test_the_object_store_encrypts_what_it_stores(paths):
    """A marker written through S3 comes back through S3 and appears in no file of the data directory."""
    import io
    import uuid

    ep = lakehouse.Endpoints.of(paths)
    client = Minio(ep.s3.removeprefix("http://"), access_key=ep.access_key, secret_key=ep.secret_key, secure=False)
    marker = f"cpf-like-marker-{uuid.uuid4().hex}".encode()
    name = f"security-probe/{uuid.uuid4().hex}.txt"
    client.put_object(ep.bucket, name, io.BytesIO(marker * 64), len(marker) * 64)
    try:
        assert client.get_object(ep.bucket, name).read() == marker * 64
        stored = [p for p in (paths.data / "minio").rglob("*") if p.is_file() and name.split("/")[1] in str(p)]
        stored += [p for p in (paths.data / "minio" / ep.bucket / "security-probe").rglob("*") if p.is_file()]
        assert stored, "the object's files were not found under the data directory"
        assert not [p for p in stored if marker in p.read_bytes()], "an object is stored in clear"
    finally:
        client.remove_object(ep.bucket, name)


SYSTEM_PYTHON = "/usr/bin/python3"
# Run as another account: reads the paths given on stdin, prints those it could open.
_OPEN_PROBE = """
import sys
for p in sys.stdin.read().splitlines():
    try:
        open(p, "rb").read(1)
        print(p)
    except OSError:
        pass
"""


def _opened_by_nobody(candidates: list[str]) -> list[str]:
    nobody = pwd.getpwnam("nobody")

    def as_nobody() -> None:
        os.setgroups([])
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)

    # The system interpreter: the project's may sit under a directory other accounts cannot enter.
    r = subprocess.run(
        [SYSTEM_PYTHON, "-c", _OPEN_PROBE], input="\n".join(candidates), capture_output=True, text=True,
        timeout=300, preexec_fn=as_nobody, cwd="/",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    return [p for p in r.stdout.splitlines() if p]


@pytest.mark.skipif(
    os.geteuid() != 0 or not os.access(SYSTEM_PYTHON, os.X_OK), reason="needs root and the system python3"
)
def test_another_local_account_reads_no_state_secret_or_process_environment(paths):
    """Every file of the state directory (listed as root, then opened as `nobody`, i.e. any account on the
    machine): none under data, conf or logs opens, nor the credentials; nor any service's environment."""
    files = [str(p) for p in paths.state.rglob("*") if p.is_file() and not p.is_symlink()]
    assert len(files) > 100
    readable = _opened_by_nobody(files)
    private = [p for p in readable if p.startswith(tuple(str(paths.state / d) for d in ("data", "conf", "logs")))]
    assert not private, private[:10]
    assert str(paths.credentials) not in readable
    secrets = [v.encode() for v in credentials.load(paths.credentials).values() if len(v) >= 16]
    assert not [p for p in readable if any(v in Path(p).read_bytes() for v in secrets)]
    pids = [str(pid) for pids in _service_pids(paths).values() for pid in pids]
    assert len(pids) >= 8
    assert _opened_by_nobody([f"/proc/{pid}/environ" for pid in pids]) == []


def test_the_access_check_the_chart_runs_passes_on_the_real_trino(paths):
    """`pororoca cluster check-access` (the chart's helm test): a wrong password refused, masked columns masked."""
    ensure_gold(paths)  # silver holds personal values to compare
    result = pororoca("cluster", "check-access")
    assert "a wrong password for analyst: refused" in result.stdout
    outcomes = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")]
    assert outcomes.count("masked") >= 3 and "LEAKED" not in outcomes, result.stdout
    assert result.stdout.rstrip().endswith("access: enforced")
