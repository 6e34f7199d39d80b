"""Write what Trino's security reads (I/O shell): the TLS key pair, the password file, the group file and
the access rules compiled from the LGPD classification. Files change only when their content does, so Trino
reloads nothing needlessly; none of them needs a restart (password and group files every 5 s, rules 10 s)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pororoca_core import credentials, lakehouse
from pororoca_core.paths import Paths
from pororoca_governance import identities, policy
from pororoca_governance.classification import (
    Classification,
    check_masks,
    load_access,
    load_classification,
    load_reviewed,
    reviewed_with_feeds,
)
from pororoca_governance.steward import with_steward_tags

CERT_DAYS = 825


@dataclass(frozen=True)
class SyncResult:
    changed: list[str]
    masked_columns: int
    users: list[str]


def _write_if_changed(path: Path, text: str, mode: int = 0o600) -> bool:
    if path.exists() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)  # atomic: Trino never reads half a file
    return True


def ensure_tls(paths: Paths, host: str) -> None:
    """A self-signed certificate for Trino's HTTPS, valid for the loopback address and `localhost`."""
    keystore = paths.tls / "trino.pem"
    if keystore.exists() and paths.trino_ca.exists():
        return
    paths.tls.mkdir(parents=True, exist_ok=True, mode=0o700)
    key, cert = paths.tls / "trino-key.pem.tmp", paths.tls / "trino-cert.pem.tmp"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", str(CERT_DAYS),
         "-keyout", str(key), "-out", str(cert), "-subj", "/O=Pororoca/CN=pororoca-trino",
         "-addext", f"subjectAltName=IP:{host},DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    _write_if_changed(keystore, key.read_text() + cert.read_text())
    _write_if_changed(paths.trino_ca, cert.read_text(), mode=0o644)
    key.unlink()
    cert.unlink()


def ensure_ca_bundle(paths: Paths) -> Path:
    """The system's CAs plus Trino's certificate, for processes (Superset) whose HTTP clients honour
    REQUESTS_CA_BUNDLE over a per-connection `verify`."""
    import certifi

    system = Path("/etc/ssl/certs/ca-certificates.crt")
    base = system.read_text() if system.exists() else Path(certifi.where()).read_text()
    bundle = paths.tls / "ca-bundle.pem"
    _write_if_changed(bundle, base.rstrip("\n") + "\n" + paths.trino_ca.read_text(), mode=0o644)
    return bundle


def sync(paths: Paths, classification: Classification | None = None) -> SyncResult:
    # A steward's tags from the catalog (`pororoca metadata pull`) over the file's.
    classification = with_steward_tags(paths, classification or load_classification())
    access = load_access()
    check_masks(classification, access)
    users = list(access.users())
    secrets = credentials.ensure(paths.credentials, [identities.secret_name(u) for u in users])
    conf = paths.conf / "trino"
    db = conf / "password.db"
    current = identities.parse_password_file(db.read_text()) if db.exists() else {}
    files = {
        "password.db": identities.password_file(users, secrets, current),
        "groups.txt": policy.group_file(access),
        "rules.json": policy.render_rules(policy.compile_rules(classification, access)),
        # Read at Trino's start only: a role's procedures change with the next restart.
        "table-procedures.properties": policy.table_procedures(access),
        "reviewed-columns.properties": policy.reviewed_columns(
            classification, reviewed_with_feeds(load_reviewed()), access
        ),
    }
    changed = [name for name, text in files.items() if _write_if_changed(conf / name, text)]
    masked = sum(map(len, classification.masked_columns().values()))
    return SyncResult(changed=changed, masked_columns=masked, users=users)


AUDIT_TABLES = ("trino_queries.sql", "erasure_receipts.sql")


def ensure_audit_tables(ep: lakehouse.Endpoints) -> None:
    """The restricted `audit` namespace and its tables (idempotent), created by the platform user."""
    sql_dir = Path(__file__).resolve().parent / "sql"
    with lakehouse.trino_connection(ep, "pororoca") as conn:
        cur = conn.cursor()
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {lakehouse.CATALOG}.audit")
        cur.fetchall()
        for name in AUDIT_TABLES:
            cur.execute((sql_dir / name).read_text())
            cur.fetchall()
        # Rows written before a column existed keep NULL there.
        for table, column in (("erasure_receipts", "residual_copies"), ("trino_queries", "denied")):
            cur.execute(f"ALTER TABLE {lakehouse.CATALOG}.audit.{table} ADD COLUMN IF NOT EXISTS {column} varchar")
            cur.fetchall()
