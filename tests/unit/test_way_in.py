"""`pororoca urls` and `credentials show`: every way in, and passwords only when asked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pororoca_stack import way_in

PORORO = str(Path(sys.executable).with_name("pororoca"))
SECRETS = {
    "superset_analyst_password": "s-analyst-pw",
    "superset_admin_password": "s-admin-pw",
    "airflow_admin_password": "a-admin-pw",
    "minio_root_user": "rootuser123",
    "minio_root_password": "m-root-pw",
    "trino_analyst_password": "t-analyst-pw",
    "trino_shared_secret": "never-a-login",
}


def test_logins_come_from_the_credentials_and_never_include_internal_secrets():
    names = set(way_in.logins(SECRETS))
    assert {"superset-analyst", "superset-admin", "airflow-admin", "minio-root", "trino-analyst"} <= names
    assert not any("shared" in n for n in names)


def test_urls_name_every_ui_and_no_password():
    eps = way_in.endpoints(way_in.port_map(), SECRETS, "/ca.pem")
    text = way_in.render(eps, SECRETS, "/state/credentials.json")
    for what in ("Superset", "Airflow", "Trino", "MinIO console", "Kafka Connect"):
        assert what in text
    assert "pororoca credentials show superset-analyst" in text
    assert not any(v in text for v in SECRETS.values())


def test_credentials_show_reads_the_private_file(tmp_path: Path):
    state = tmp_path / "state"
    state.mkdir()
    cred = state / "credentials.json"
    cred.write_text(json.dumps(SECRETS))
    cred.chmod(0o600)
    env = os.environ | {"POROROCA_STATE_DIR": str(state)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([PORORO, "credentials", *args], env=env, capture_output=True, text=True)

    assert cli("show", "superset-analyst").stdout == "s-analyst-pw\n"
    assert cli("show", "minio-root", "--user").stdout == "rootuser123\n"
    listed = cli("list")
    assert "trino-analyst" in listed.stdout and "pw" not in listed.stdout
    bad = cli("show", "nobody")
    assert bad.returncode == 1 and "superset-analyst" in bad.stderr
