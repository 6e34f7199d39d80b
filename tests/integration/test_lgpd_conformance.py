"""Roles exactly as the policy says: for every role and every classified column of every lake table, what Trino
returns is what `governance/lgpd/access.toml` and `classification.toml` declare: denied, masked (the declared
mask of the raw value) or read as is. The expectation is derived here from the files' documented meaning, not from
the compiled rules, so a compiler bug or a rule Trino reads differently fails the test.

Values are compared as Trino's order-independent `checksum` of the whole column: one query per role and table
as the role, one as the platform with the declared mask applied."""

from __future__ import annotations

import pytest
import trino

from pororoca_governance import policy
from pororoca_governance.classification import Role, load_access, load_classification

from .test_lgpd import ep, rows  # noqa: F401 - the module fixture that makes sure silver exists

pytestmark = pytest.mark.integration

ACCESS = load_access()
CLASSIFICATION = load_classification()
PLATFORM = "pororoca"


def _denied(role: Role, table: str) -> bool:
    namespace = table.split(".")[0]
    if role.superuser:
        return False
    if namespace == "audit":
        return role.audit is None
    if namespace not in (*role.read, *role.write):
        return True
    return table in CLASSIFICATION.subject_level and not role.subject_level


def _mask(role: Role, column: str) -> str | None:
    """The declared mask template of the column for the role, or None when the role reads it raw."""
    tags = CLASSIFICATION.columns[column]
    if not role.masked and not set(tags) & set(role.masked_tags):
        return None
    masks = [CLASSIFICATION.tags[t].mask for t in tags if CLASSIFICATION.tags[t].mask]
    return ACCESS.masks[masks[0]] if masks else None


def _classified_tables(ep) -> dict[str, list[str]]:  # noqa: F811 - the fixture, passed in
    present = {
        f"{s}.{t}" for s, t in rows(ep, PLATFORM, "SELECT table_schema, table_name FROM information_schema.tables")
    }
    tables: dict[str, list[str]] = {}
    for column in sorted(CLASSIFICATION.columns):
        table, name = column.rsplit(".", 1)
        if table in present:
            tables.setdefault(table, []).append(name)
    return tables


def _checksums(ep, user: str, table: str, expressions: list[str]):  # noqa: F811
    select = ", ".join(f"to_hex(checksum({e}))" for e in expressions)
    return rows(ep, user, f"SELECT {select} FROM {table}")[0]


def _user(role: Role) -> str:
    return role.users[0]


@pytest.mark.parametrize("role_name", sorted(ACCESS.roles))
def test_every_classified_column_reads_as_declared_for(ep, role_name):  # noqa: F811
    role = ACCESS.roles[role_name]
    tables = _classified_tables(ep)
    assert len(tables) >= 10, sorted(tables)
    checked = {"denied": 0, "masked": 0, "raw": 0}
    for table, columns in tables.items():
        quoted = [f'"{c}"' for c in columns]
        if _denied(role, table):
            with pytest.raises(trino.exceptions.TrinoUserError) as e:
                rows(ep, _user(role), f"SELECT {', '.join(quoted)} FROM {table} LIMIT 1")
            assert e.value.error_name == "PERMISSION_DENIED", (role_name, table)
            checked["denied"] += len(columns)
            continue
        expected_sql = []
        for name, q in zip(columns, quoted, strict=True):
            template = _mask(role, f"{table}.{name}")
            expected_sql.append(q if template is None else policy.mask_expression(template, name))
            checked["masked" if template else "raw"] += 1
        # The sink may commit between the two reads (bronze grows while capture catches up): a real difference
        # stays whatever the timing, a commit in between does not survive a few tries.
        for _attempt in range(5):
            seen = _checksums(ep, _user(role), table, quoted)
            expected = _checksums(ep, PLATFORM, table, expected_sql)
            if seen == expected:
                break
        differ = [c for c, a, b in zip(columns, seen, expected, strict=True) if a != b]
        assert not differ, f"{role_name} on {table}: {differ} differ from the declared policy"
    # Every role is exercised on something (a vacuous pass would prove nothing).
    assert sum(checked.values()) >= 30, checked
