"""Does Trino enforce the policy where it runs? A claimed identity is refused (HTTPS and a password), and a masked
role never reads a personal value an engineer reads in the same column. The chart's `helm test` runs it in the
cluster (`pororoca cluster check-access`); on a laptop it checks the local stack the same way."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from itertools import zip_longest

from pororoca_core import lakehouse
from pororoca_governance.classification import Classification

CHECKED_COLUMNS = 6  # enough to cover several tables and mask kinds; each costs two small queries


@dataclass(frozen=True)
class Finding:
    column: str  # namespace.table.column
    outcome: str  # masked | denied | LEAKED | no data


@dataclass(frozen=True)
class AccessCheck:
    authentication: str  # what happened to a wrong password
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return self.authentication == "refused" and not any(f.outcome == "LEAKED" for f in self.findings)


def _wrong_password_refused(ep: lakehouse.Endpoints, user: str) -> str:
    if ep.trino_ca is None:
        return "not enforced: Trino speaks plain HTTP, so any client may claim any user"
    import trino.exceptions

    wrong = dataclasses.replace(ep, trino_passwords={**ep.trino_passwords, user: "not-" + ep.trino_passwords[user]})
    try:
        with lakehouse.trino_connection(wrong, user) as conn:
            cur = conn.cursor()
            cur.execute("SELECT 1")
            cur.fetchall()
    except trino.exceptions.HttpError as e:
        return "refused" if "401" in str(e) else f"unexpected answer: {e}"
    return "not enforced: a wrong password was accepted"


def _first_value(cur, table: str, column: str) -> str | None:
    cur.execute(
        f'SELECT CAST("{column}" AS varchar) FROM {lakehouse.CATALOG}.{table} WHERE "{column}" IS NOT NULL LIMIT 1'
    )
    rows = cur.fetchall()
    return rows[0][0] if rows else None


def _across_namespaces(masked: dict[str, dict[str, str]]) -> list[tuple[str, dict[str, str]]]:
    """Tables in turn from each namespace (bronze, silver, silver_pii, ...), so a few checks cover every layer."""
    by_namespace: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for table, columns in masked.items():
        by_namespace.setdefault(table.split(".", 1)[0], []).append((table, columns))
    return [t for turn in zip_longest(*by_namespace.values()) for t in turn if t is not None]


def check(ep: lakehouse.Endpoints, classification: Classification, masked: str = "analyst") -> AccessCheck:
    """As `masked`, count the rows holding a value the platform reads in each of a few masked columns: any row is a
    leak. A table the role may not read at all counts as protected (denied)."""
    import trino.exceptions

    authentication = _wrong_password_refused(ep, masked)
    findings: list[Finding] = []
    with lakehouse.trino_connection(ep) as owner_conn, lakehouse.trino_connection(ep, masked) as masked_conn:
        owner, reader = owner_conn.cursor(), masked_conn.cursor()
        owner.execute(f"SELECT table_schema || '.' || table_name FROM {lakehouse.CATALOG}.information_schema.tables")
        existing = {r[0] for r in owner.fetchall()}
        for table, columns in _across_namespaces(classification.masked_columns()):
            if table not in existing:
                continue
            column = next(iter(sorted(columns)))
            value = _first_value(owner, table, column)
            if value is None:
                findings.append(Finding(f"{table}.{column}", "no data"))
                continue
            try:
                reader.execute(
                    f'SELECT count(*) FROM {lakehouse.CATALOG}.{table} WHERE CAST("{column}" AS varchar) = ?', [value]
                )
                outcome = "LEAKED" if reader.fetchall()[0][0] else "masked"
            except trino.exceptions.TrinoUserError as e:
                if e.error_name != "PERMISSION_DENIED":
                    raise
                outcome = "denied"
            findings.append(Finding(f"{table}.{column}", outcome))
            if sum(f.outcome != "no data" for f in findings) >= CHECKED_COLUMNS:
                break
    return AccessCheck(authentication, findings)
