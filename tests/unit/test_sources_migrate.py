import pytest

from pororoca_sources import migrate
from pororoca_sources.simulate import Mix, _due, payments_allowed


def test_real_migrations_are_numbered_and_split_into_statements():
    for db in ("core", "acquiring"):
        found = migrate.discover(db)
        assert [m.version for m in found] == list(range(1, len(found) + 1))
        for m in found:
            stmts = migrate.statements(m.sql)
            assert stmts and all(s.split()[0].upper() in {"CREATE", "ALTER"} for s in stmts)


def test_an_edited_applied_migration_is_refused():
    m = migrate.Migration(1, "init", "CREATE TABLE t (a int);")
    assert migrate.pending({}, [m], "core") == [m]
    assert migrate.pending({1: m.checksum}, [m], "core") == []
    with pytest.raises(migrate.MigrationError, match="changed after it was applied"):
        migrate.pending({1: "0" * 64}, [m], "core")


def test_badly_named_or_gapped_migrations_are_refused(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "V001__a.sql").write_text("")
    (tmp_path / "core" / "V003__c.sql").write_text("")
    with pytest.raises(migrate.MigrationError, match="without gaps"):
        migrate.discover("core", tmp_path)
    (tmp_path / "core" / "init.sql").write_text("")
    with pytest.raises(migrate.MigrationError, match="V<NNN>__"):
        migrate.discover("core", tmp_path)


def test_the_mix_must_be_shares_and_the_schedule_follows_it():
    with pytest.raises(ValueError, match="sum to 1"):
        Mix(0.5, 0.5, 0.5)
    from collections import Counter

    due = _due(1000, 2.0, Mix(0.75, 0.2, 0.05), Counter({"insert": 500}))
    assert due == {"insert": 1000, "update": 400, "delete": 100}


def test_instalments_are_paid_evenly_over_the_run_and_all_by_its_end():
    assert [payments_allowed(120, t, 300) for t in (0, 1, 30, 150, 299.9)] == [0, 0, 12, 60, 119]
    assert payments_allowed(120, 300, 300) == payments_allowed(120, 301, 300) == 120
