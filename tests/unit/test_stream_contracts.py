"""The tables the fraud path's sink lands: declared, with the name mapping that lets records' epoch fields land in
timestamp columns, and reachable by the sink's catalog role only where the catalog's policies allow."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pyiceberg.types import ListType, TimestamptzType

from pororoca_catalog import stream_contracts
from pororoca_catalog.streams import NAME_MAPPING, TABLES, record_names

ROOT = Path(__file__).resolve().parents[2]


def test_every_timestamp_also_answers_to_its_epoch_milliseconds_name_and_ids_follow_iceberg_numbering():
    for c in stream_contracts():
        mapping = {e["field-id"]: e["names"] for e in json.loads(c.properties[NAME_MAPPING])}
        for f in c.schema.fields:
            assert mapping[f.field_id][0] == f.name
            if isinstance(f.field_type, TimestamptzType):
                assert f"{f.name}_ms" in mapping[f.field_id], (c.identifier, f.name)
        scores = {e["names"][0]: e["names"] for e in json.loads(stream_contracts()[0].properties[NAME_MAPPING])}
        assert "source_commit_ms" in scores["source_commit_at"] and "scored_at_ms" in scores["scored_at"]
        top = len(c.schema.fields)
        assert [f.field_id for f in c.schema.fields] == list(range(1, top + 1))
        nested = [f.field_type.element_id for f in c.schema.fields if isinstance(f.field_type, ListType)]
        assert nested == list(range(top + 1, top + 1 + len(nested)))  # pyiceberg's fresh ids, so the mapping holds
        assert c.partition_columns[0][1] == "day"


def test_the_connector_routes_each_topic_to_its_contracted_table():
    config = json.loads((ROOT / "cdc/connectors/lake-fraud.json").read_text())["config"]
    topics = config["topics"].split(",")
    routes = [(config[f"transforms.{t}.regex"], config[f"transforms.{t}.replacement"]) for t in ("gold", "audit")]

    def routed(topic: str) -> str:
        for regex, replacement in routes:
            if re.fullmatch(regex, topic):
                return re.sub(regex.replace("\\.", r"\."), replacement.replace("$1", r"\1"), topic)
        return topic

    assert {routed(t) for t in topics} == {t.identifier for t in TABLES}
    assert {t.topic for t in TABLES} == set(topics)
    assert config["iceberg.tables.auto-create-enabled"] == "false"  # the contracts define the tables
    # Its topics may appear after it starts: wait for them, never ask the broker to create them (refused: task dies).
    assert config["consumer.override.allow.auto.create.topics"] == "false"


def test_the_sinks_catalog_role_reaches_gold_only_for_the_fraud_tables():
    sql = (ROOT / "stack/conf/postgres/iceberg_catalog.sql").read_text()
    writes = re.search(r"CREATE POLICY connect_writes ON iceberg_tables.*?;", sql, re.S)
    assert writes and "table_namespace = 'gold' AND table_name LIKE 'fraud\\_%'" in writes.group(0)
    creates = re.search(r"CREATE POLICY contracts_creates_audit ON iceberg_tables FOR INSERT.*?;", sql, re.S)
    assert creates and "USING" not in creates.group(0)  # creates a table in audit, never changes one


def test_every_epoch_field_of_the_processors_records_has_a_timestamp_column():
    from pyiceberg.types import TimestamptzType as Ts

    fields = {"created_at_ms", "source_commit_ms", "scored_at_ms"}  # fraud/README.md, fraud.scores
    names = {n for name, type_, _ in TABLES[0].columns for n in record_names(name, type_) if isinstance(type_, Ts)}
    assert fields <= names
