"""Our logic around Iceberg history: rollback targets, time-travel windows, and the catalog's roles."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from pororoca_core import services
from pororoca_core.errors import UsageError
from pororoca_spark.maintain import Retention
from pororoca_spark.rollback import Lineage, Target, check_table, parse_target
from pororoca_stack.bootstrap import CATALOG_SQL

T0 = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
LINEAGE = Lineage(((11, T0), (22, T0 + timedelta(minutes=5)), (33, T0 + timedelta(minutes=10))))


def test_a_target_is_a_snapshot_id_or_a_timestamp_with_its_offset():
    assert parse_target("4242") == Target(snapshot_id=4242)
    assert parse_target("2026-12-02T10:05:00-03:00") == Target(at=T0 + timedelta(minutes=5))
    with pytest.raises(UsageError, match="add the UTC offset"):
        parse_target("2026-12-02T10:05:00")
    with pytest.raises(UsageError, match="snapshot id or an ISO timestamp"):
        parse_target("yesterday")


def test_a_timestamp_resolves_to_the_snapshot_current_at_that_moment():
    assert LINEAGE.resolve(Target(at=T0 + timedelta(minutes=5))) == 22  # committed exactly then
    assert LINEAGE.resolve(Target(at=T0 + timedelta(minutes=9))) == 22
    assert LINEAGE.resolve(Target(at=T0 + timedelta(days=1))) == 33
    with pytest.raises(UsageError, match="before the oldest snapshot"):
        LINEAGE.resolve(Target(at=T0 - timedelta(seconds=1)))


def test_only_a_snapshot_of_the_current_lineage_is_a_target():
    assert LINEAGE.resolve(Target(snapshot_id=11)) == 11
    assert LINEAGE.current == 33
    with pytest.raises(UsageError, match="not in the table's current lineage"):
        LINEAGE.resolve(Target(snapshot_id=99))


@pytest.mark.parametrize("name", ["silver", "silver.pix_transfers.files", "Silver.x", "silver.x; DROP TABLE y"])
def test_a_table_is_named_namespace_dot_table(name):
    with pytest.raises(UsageError, match=r"namespace\.table"):
        check_table(name)


def test_each_layer_keeps_its_window_and_the_default_covers_the_rest():
    r = Retention.load()
    assert r.default_hours == 7 * 24
    assert r.hours("silver_pii.customers") == 3 * 24  # personal data: the shortest useful history
    assert r.hours("it_scratch.t") == r.default_hours


def test_every_engine_has_a_catalog_role_with_grants_and_nothing_else_does():
    engines = set(services.load().catalog_engines)
    sql = CATALOG_SQL.read_text()
    granted = set(re.findall(r"\bcatalog_([a-z]+)\b", sql)) - {"name"}  # the column catalog_name
    assert granted == engines
    assert "ENABLE ROW LEVEL SECURITY" in sql
