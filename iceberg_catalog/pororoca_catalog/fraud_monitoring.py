"""Contracts of the fraud model's monitoring tables in gold, written by `pororoca fraud train` (the reference
population) and `pororoca fraud monitor` (daily drift, live precision, shadow comparison). They hold versions,
bins and counts: no personal data."""

from __future__ import annotations

from pyiceberg.partitioning import PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.types import BooleanType, DateType, DoubleType, LongType, NestedField, StringType, TimestamptzType

from pororoca_catalog.bronze import PROPERTIES, Contract
from pororoca_catalog.streams import Column

_REFERENCE: list[Column] = [
    ("model_version", StringType(), "registry version of the model this population trained"),
    ("feature", StringType(), "a model feature, or `score` (rules and model together, as the processor scores)"),
    ("bin", LongType(), "bin number from 0; -1 holds missing values"),
    ("lower", DoubleType(), "the bin's exclusive lower bound (null: open below)"),
    ("upper", DoubleType(), "the bin's inclusive upper bound (null: open above)"),
    ("share", DoubleType(), "share of the reference population in the bin"),
    ("trained_at", TimestamptzType(), "when the model was trained (UTC)"),
]

_DRIFT: list[Column] = [
    ("reference_date", DateType(), "the day the transfers were created (America/Sao_Paulo)"),
    ("model_version", StringType(), "the champion whose reference population the day is compared with"),
    ("feature", StringType(), "a model feature, or `score` (of the transfers that champion scored)"),
    ("psi", DoubleType(), "population stability index of the day against the reference"),
    ("transfers", LongType(), "transfers compared"),
    ("psi_alert", DoubleType(), "the threshold in force (fraud/scoring.toml [monitoring])"),
    ("drifted", BooleanType(), "psi >= psi_alert on a day with enough transfers to judge"),
    ("computed_at", TimestamptzType(), "when the monitor computed it (UTC)"),
]

_QUALITY: list[Column] = [
    ("reference_date", DateType(), "the day the transfers were created (America/Sao_Paulo)"),
    ("model_version", StringType(), "the model that scored them (`regras`: rules only)"),
    ("live", BooleanType(), "false: transfers of the initial load, scored when replayed"),
    ("transfers", LongType(), "transfers scored"),
    ("alerts", LongType(), "of which decided alert, hold or block"),
    ("frauds", LongType(), "of which labelled fraud (fraud cases, analysts' confirmations)"),
    ("true_alerts", LongType(), "alerts that were frauds"),
    ("precision", DoubleType(), "true_alerts / alerts, once the day's labels matured (else null)"),
    ("recall", DoubleType(), "true_alerts / frauds, once the day's labels matured (else null)"),
    ("mature", BooleanType(), "the label window (fraud/scoring.toml [training]) closed for the day"),
    ("labels_as_of", TimestamptzType(), "the latest fraud case detection when computed (UTC)"),
    ("computed_at", TimestamptzType(), "when the monitor computed it (UTC)"),
]

_SHADOW: list[Column] = [
    ("reference_date", DateType(), "the day the transfers were created (America/Sao_Paulo)"),
    ("champion_version", StringType(), "the model whose decisions were acted on"),
    ("challenger_version", StringType(), "the model scoring in the shadow"),
    ("transfers", LongType(), "transfers both scored"),
    ("champion_alerts", LongType(), "alerted (alert, hold or block) by the champion"),
    ("challenger_alerts", LongType(), "alerted by the challenger"),
    ("both_alerts", LongType(), "alerted by both"),
    ("same_decision", DoubleType(), "share of transfers with the same decision"),
    ("champion_true_alerts", LongType(), "champion's alerts labelled fraud so far"),
    ("challenger_true_alerts", LongType(), "challenger's alerts labelled fraud so far"),
    ("computed_at", TimestamptzType(), "when the monitor computed it (UTC)"),
]

TABLES: dict[str, tuple[list[Column], str]] = {
    "gold.fraud_model_reference": (_REFERENCE, "Per model version, the binned population it was trained on: the "
                                   "reference of drift."),
    "gold.fraud_model_drift": (_DRIFT, "Daily population stability index of every feature and of the score against "
                               "the champion's training population."),
    "gold.fraud_model_quality": (_QUALITY, "Daily live precision and recall of the processor's decisions, per model "
                                 "version, once the labels matured."),
    "gold.fraud_shadow_daily": (_SHADOW, "Daily comparison of the champion's decisions with the challenger's, scored "
                                "in the shadow on the same transfers."),
}  # fmt: skip


def contract(identifier: str, columns: list[Column], comment: str) -> Contract:
    schema = Schema(*(NestedField(i, n, t, False, doc) for i, (n, t, doc) in enumerate(columns, start=1)))
    properties = {**PROPERTIES, "pororoca.layer": "gold", "comment": comment}
    return Contract(identifier, schema, PartitionSpec(), properties)


def contracts() -> list[Contract]:
    return [contract(identifier, columns, comment) for identifier, (columns, comment) in TABLES.items()]
