"""A stream table whose contract gains a column keeps a name mapping that matches its own field ids (the sink lands
record fields by it), on a real Iceberg catalog (PyIceberg's SQL catalog over SQLite, files in a temp dir)."""

from __future__ import annotations

import dataclasses
import json

from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.types import StringType

from pororoca_catalog.apply import apply
from pororoca_catalog.streams import NAME_MAPPING, TABLES, contract


def _mapping_by_name(table) -> dict[str, int]:
    return {e["names"][0]: e["field-id"] for e in json.loads(table.properties[NAME_MAPPING])}


def test_a_column_added_to_a_stream_contract_is_mapped_to_the_id_iceberg_gave_it(tmp_path):
    catalog = SqlCatalog("t", uri=f"sqlite:///{tmp_path}/catalog.db", warehouse=f"file://{tmp_path}/warehouse")
    scores = TABLES[0]
    apply(catalog, [contract(scores)])
    added = ("review_note", StringType(), "a column the contract gained")
    evolved = dataclasses.replace(scores, columns=[*scores.columns, added])
    (outcome,) = apply(catalog, [contract(evolved)])
    assert outcome.action == "updated" and "review_note" in outcome.detail
    table = catalog.load_table(scores.identifier)
    mapping = _mapping_by_name(table)
    ids = {f.name: f.field_id for f in table.schema().fields}
    assert mapping == ids  # every column, old and new, under the id the table actually gave it
    assert apply(catalog, [contract(evolved)])[0].action == "unchanged"  # idempotent
