"""The access audit: who read personal data, when (from `audit.trino_queries`, filled by Trino's listener)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .classification import AccessPolicy, Classification
from .lake import Lake

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


def personal_columns(classification: Classification) -> set[str]:
    return {c for c, tags in classification.columns.items() if "PersonalData" in tags}


def personal_reads(
    rows: list[tuple], classification: Classification, access: AccessPolicy, catalog: str = "lakehouse"
) -> list[PersonalRead]:
    """Rows (ended_at, user, state, query_id, columns) -> the reads that touched a personal column (pure)."""
    personal = personal_columns(classification)
    roles = access.users()
    out = []
    prefix = f"{catalog}."
    for ended_at, user, state, query_id, columns in rows:
        hit = tuple(sorted(c.removeprefix(prefix) for c in columns or [] if c.removeprefix(prefix) in personal))
        if hit:
            role = roles.get(user, "?")
            r = access.roles.get(role)
            partly = (
                r is not None
                and bool(r.masked_tags)
                and all(set(classification.columns.get(c, ())) & set(r.masked_tags) for c in hit)
            )
            masked = r is not None and (r.masked or partly)
            out.append(PersonalRead(ended_at, user, role, masked, state, query_id, hit))
    return out


def query(lake: Lake, start: datetime, end: datetime) -> list[tuple]:
    return lake.rows(
        f'SELECT ended_at, "user", state, query_id, columns FROM {QUERIES_TABLE} '
        f"WHERE ended_at >= from_iso8601_timestamp('{start.isoformat()}') "
        f"AND ended_at < from_iso8601_timestamp('{end.isoformat()}') AND cardinality(columns) > 0 "
        "ORDER BY ended_at"
    )
