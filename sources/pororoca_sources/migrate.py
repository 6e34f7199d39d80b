"""Versioned schema migrations: `migrations/<database>/V<NNN>__<name>.sql`, applied in order, once.

Each database records what it applied in `schema_migrations` with the file's checksum; editing an applied
migration is refused (write a new one instead)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from pororoca_core.errors import OperationFailed
from pororoca_sources.connections import ACQUIRING_DB, CORE_DB, Sources

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_NAME = re.compile(r"^V(\d{3})__([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


class MigrationError(OperationFailed):
    pass


def discover(database: str, root: Path = MIGRATIONS) -> list[Migration]:
    found = []
    for f in sorted((root / database).glob("*.sql")):
        m = _NAME.match(f.name)
        if not m:
            raise MigrationError(f"{f}: migration files are named V<NNN>__<lowercase_name>.sql")
        found.append(Migration(int(m.group(1)), m.group(2), f.read_text()))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise MigrationError(f"{root / database}: versions must run 1, 2, 3... without gaps, found {versions}")
    return found


def statements(sql: str) -> list[str]:
    """Split on `;` at line ends (our migrations keep one statement per `;`-terminated block)."""
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in re.split(r";\s*$", body, flags=re.M) if s.strip()]


def pending(applied: dict[int, str], migrations: list[Migration], database: str) -> list[Migration]:
    for m in migrations:
        if m.version in applied and applied[m.version] != m.checksum:
            raise MigrationError(
                f"{database}: V{m.version:03d}__{m.name} was changed after it was applied; "
                "revert the edit and add a new migration instead"
            )
    return [m for m in migrations if m.version not in applied]


_LEDGER = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name varchar(200) NOT NULL, "
    "checksum char(64) NOT NULL, applied_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP)"
)


def migrate_core(src: Sources) -> list[str]:
    done = []
    with src.core() as conn:
        conn.execute(_LEDGER)
        conn.commit()
        applied: dict[int, str] = dict(conn.execute("SELECT version, checksum FROM schema_migrations").fetchall())
        for m in pending(applied, discover(CORE_DB), CORE_DB):
            with conn.transaction():  # PostgreSQL DDL is transactional: a migration applies whole or not at all
                for stmt in statements(m.sql):
                    conn.execute(stmt)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                    (m.version, m.name, m.checksum),
                )
            done.append(f"{CORE_DB}: V{m.version:03d}__{m.name}")
    return done


def migrate_acquiring(src: Sources) -> list[str]:
    done = []
    conn = src.acquiring()
    with conn, conn.cursor() as cur:
        cur.execute(_LEDGER)
        cur.execute("SELECT version, checksum FROM schema_migrations")
        applied = dict(cur.fetchall())
        for m in pending(applied, discover(ACQUIRING_DB), ACQUIRING_DB):
            # MariaDB commits each DDL statement; our statements are CREATE ... so a half-applied
            # migration is detected by the next run failing loudly rather than silently skipped.
            for stmt in statements(m.sql):
                cur.execute(stmt)
            cur.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                (m.version, m.name, m.checksum),
            )
            conn.commit()
            done.append(f"{ACQUIRING_DB}: V{m.version:03d}__{m.name}")
    return done


def migrate(src: Sources) -> list[str]:
    return migrate_core(src) + migrate_acquiring(src)
