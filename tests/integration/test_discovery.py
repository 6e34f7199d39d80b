"""Personal-data discovery on the lake of the test stack: it finds what the classification declares, flags
nothing else, and catches a new column of CPFs nobody classified, without printing a value."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import pytest

from pororoca_core import ids, lakehouse
from pororoca_governance.classification import load_classification
from pororoca_governance.discovery import RECOGNISABLE

from . import test_unreviewed_columns as unreviewed
from .conftest import ensure_gold, pororoca

pytestmark = pytest.mark.integration

PROBE = "discovery_probe"


@pytest.fixture(scope="module")
def report(paths) -> dict:
    ensure_gold(paths)
    result = pororoca("governance", "discover", "--json", "--namespaces", "bronze,silver,silver_pii,gold", check=False)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_every_recognisable_classified_column_is_found(report):
    classification = load_classification().columns
    sampled = {c["column"]: c for c in report["columns"]}
    expected = {c for c, tags in classification.items() if RECOGNISABLE & set(tags) and c in sampled}
    found = {c for c in expected if sampled[c]["findings"]}
    assert len(expected) >= 20  # bronze, silver and silver_pii all sampled
    recall = {}
    for column in expected:
        for tag in RECOGNISABLE & set(classification[column]):
            hit, total = recall.get(tag, (0, 0))
            recall[tag] = (hit + (column in found), total + 1)
    print("recall per tag:", {t: f"{h}/{n}" for t, (h, n) in sorted(recall.items())})
    assert found == expected, sorted(expected - found)
    assert report["not_found"] == []


def test_nothing_unclassified_is_flagged_on_the_demo_data(report):
    probe = f"{unreviewed.BRONZE}.{unreviewed.COLUMN}"  # that module's, left in bronze on a reused stack
    flagged = [c for c in report["columns"]
               if c["findings"] and "PersonalData" not in c["classified"] and c["column"] != probe]  # fmt: skip
    print("precision: flagged", len([c for c in report["columns"] if c["findings"]]), "columns,", len(flagged),
          "not classified")  # fmt: skip
    assert flagged == [] and [c for c in report["unclassified"] if c["column"] != probe] == []


@pytest.fixture
def probe_table(paths) -> Iterator[tuple[str, list[str]]]:
    """A table in a scratch namespace with a column of CPFs a source just added, dropped afterwards."""
    cpfs = [ids.random_cpf(random.Random(i)) for i in range(40)]
    ep = lakehouse.Endpoints.of(paths)
    with lakehouse.trino_connection(ep) as conn:
        cur = conn.cursor()
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {lakehouse.CATALOG}.scratch")
        cur.fetchall()
        cur.execute(
            f"CREATE TABLE {lakehouse.CATALOG}.scratch.{PROBE} (id bigint, cpf_responsavel varchar, amount double)"
        )
        cur.fetchall()
        values = ", ".join(f"({i}, '{c}', {i * 1.5})" for i, c in enumerate(cpfs))
        cur.execute(f"INSERT INTO {lakehouse.CATALOG}.scratch.{PROBE} VALUES {values}")
        cur.fetchall()
    try:
        yield "scratch", cpfs
    finally:
        with lakehouse.trino_connection(ep) as conn:
            cur = conn.cursor()
            cur.execute(f"DROP TABLE IF EXISTS {lakehouse.CATALOG}.scratch.{PROBE}")
            cur.fetchall()
            cur.execute(f"DROP SCHEMA IF EXISTS {lakehouse.CATALOG}.scratch")
            cur.fetchall()


def test_a_new_column_of_cpfs_is_flagged_with_its_tags_and_no_value_is_printed(probe_table):
    namespace, cpfs = probe_table
    text = pororoca("governance", "discover", "--namespaces", namespace, check=False)
    assert text.returncode == 1, text.stdout + text.stderr
    assert f"\"{namespace}.{PROBE}.cpf_responsavel\" = ['PersonalData', 'CPF']" in text.stdout
    as_json = pororoca("governance", "discover", "--json", "--namespaces", namespace, check=False)
    flagged = json.loads(as_json.stdout)["unclassified"]
    assert flagged == [{"column": f"{namespace}.{PROBE}.cpf_responsavel", "suggested_tags": ["PersonalData", "CPF"]}]
    for output in (text.stdout, text.stderr, as_json.stdout, as_json.stderr):
        assert not any(c in output for c in cpfs)
