"""The access audit: who read personal data, when (from `audit.trino_queries`, filled by Trino's listener)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from pororoca_governance import policy
from pororoca_governance.classification import AccessPolicy, Classification, Role
from pororoca_governance.lake import Lake

FILE_METADATA = re.compile(policy.FILE_METADATA)

QUERIES_TABLE = "lakehouse.audit.trino_queries"


@dataclass(frozen=True)
class PersonalRead:
    ended_at: datetime
    user: str
    role: str
    masked: bool  # the role sees this classification's masks
    state: str
    query_id: str
    columns: tuple[str, ...]  # `<namespace>.<table>.<column>` classified as personal data
    # "columns": read personal columns; "metadata": read a file-level metadata table (`t$files`...) of a table with
    # personal columns (bounds may hold values); "denied": tried something the policy refuses.
    kind: str = "columns"
    objects: tuple[str, ...] = ()  # the metadata tables read
    denied: str | None = None  # Trino's message naming what was tried


def personal_columns(classification: Classification) -> set[str]:
    return {c for c, tags in classification.columns.items() if "PersonalData" in tags}


def _masked(role: Role | None, hit: tuple[str, ...], classification: Classification) -> bool:
    if role is None:
        return False
    partly = bool(role.masked_tags) and all(set(classification.columns.get(c, ())) & set(role.masked_tags) for c in hit)
    return role.masked or partly


def personal_reads(
    rows: list[tuple], classification: Classification, access: AccessPolicy, catalog: str = "lakehouse"
) -> list[PersonalRead]:
    """Rows (ended_at, user, state, query_id, columns, tables, denied) -> the queries that read a personal column
    or a personal table's file metadata, or were denied (pure)."""
    personal = personal_columns(classification)
    personal_tables = {c.rsplit(".", 1)[0] for c in personal}
    roles = access.users()
    out = []
    prefix = f"{catalog}."
    for ended_at, user, state, query_id, columns, tables, denied in rows:
        role = roles.get(user, "?")
        r = access.roles.get(role)
        hit = tuple(sorted(c.removeprefix(prefix) for c in columns or [] if c.removeprefix(prefix) in personal))
        meta = tuple(
            sorted(t.removeprefix(prefix) for t in tables or [] if FILE_METADATA.fullmatch(t)
                   and t.removeprefix(prefix).split("$", 1)[0] in personal_tables)
        )  # fmt: skip
        if denied:
            out.append(PersonalRead(ended_at, user, role, _masked(r, hit, classification), state, query_id, hit,
                                    "denied", meta, denied))  # fmt: skip
        elif meta:
            out.append(PersonalRead(ended_at, user, role, False, state, query_id, hit, "metadata", meta))
        elif hit:
            out.append(PersonalRead(ended_at, user, role, _masked(r, hit, classification), state, query_id, hit))
    return out


def query(lake: Lake, start: datetime, end: datetime) -> list[tuple]:
    return lake.rows(
        f'SELECT ended_at, "user", state, query_id, columns, tables, denied FROM {QUERIES_TABLE} '
        f"WHERE ended_at >= from_iso8601_timestamp('{start.isoformat()}') "
        f"AND ended_at < from_iso8601_timestamp('{end.isoformat()}') "
        "AND (cardinality(columns) > 0 OR denied IS NOT NULL OR any_match(tables, t -> strpos(t, '$') > 0)) "
        "ORDER BY ended_at"
    )
