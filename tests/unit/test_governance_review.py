"""Safe by default without a server: which columns count as decided, what the Trino control is told, and the
reviewed list a steward commits."""

from __future__ import annotations

from pathlib import Path

from pororoca_governance import policy, review
from pororoca_governance.classification import (
    REVIEWED_PATH,
    Reviewed,
    load_access,
    load_classification,
    load_reviewed,
)
from pororoca_governance.discovery import Finding

CLASSIFICATION = load_classification()
ACCESS = load_access()
REVIEWED = Reviewed(
    namespaces=("bronze", "silver"),
    every_table={"bronze": ("_op", "_source_ts")},
    tables={"silver.pix_transfers": ("amount", "transfer_id")},
)


def _properties(text: str) -> dict[str, set[str]]:
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            out[key] = set(value.split(",")) if value else set()
    return out


def test_a_column_is_decided_when_classified_reviewed_or_outside_the_watched_namespaces():
    known = [
        "silver.pix_transfers.amount",  # reviewed
        "bronze.core_customers.cpf",  # classified
        "bronze.anything_new._op",  # capture column of every bronze table
        "gold.kpi_whatever.new_metric",  # gold's schema is this repository's SQL
    ]
    assert review.unreviewed(known, CLASSIFICATION, REVIEWED) == []
    new = ["silver.pix_transfers.cpf_responsavel", "bronze.core_customers.nickname", "silver.new_table._op"]
    assert review.unreviewed(new, CLASSIFICATION, REVIEWED) == sorted(new)


def test_the_control_masks_for_masked_roles_only_and_knows_classified_columns():
    props = _properties(policy.reviewed_columns(CLASSIFICATION, REVIEWED, ACCESS))
    masked_roles = {r.name for r in ACCESS.roles.values() if r.masked}
    assert props["groups"] == masked_roles
    assert {"analyst", "steward", "bi"} <= props["groups"]
    assert not {"engineer", "dpo", "platform"} & props["groups"]  # the issue: unmasked for engineers
    assert props["catalog"] == {"lakehouse"} and props["namespaces"] == {"bronze", "silver"}
    assert props["every.bronze"] == {"_op", "_source_ts"}
    assert {"amount", "transfer_id"} <= props["table.silver.pix_transfers"]
    assert "cpf" in props["table.bronze.core_customers"]  # classified: the file-based rules mask it, not this
    assert not any(k.startswith("table.gold.") for k in props)


def test_only_clean_sampled_non_pseudonym_columns_can_be_accepted():
    cpf = Finding("cpf", ("PersonalData", "CPF"), 0.99, 1.0, True)
    assert review.Pending("silver.t.status", 200, ()).acceptable
    assert not review.Pending("silver.t.cpf_responsavel", 200, (cpf,)).acceptable
    assert not review.Pending("silver.t.payer_token", 200, ()).acceptable
    assert not review.Pending("silver.t.tags", None, ()).acceptable  # an array: not sampled


def test_accepting_adds_columns_and_the_rendered_file_loads_back(tmp_path: Path):
    accepted = REVIEWED.accept(["silver.pix_transfers.status", "silver.devices.os"])
    assert accepted.tables["silver.pix_transfers"] == ("amount", "status", "transfer_id")
    path = tmp_path / "reviewed.toml"
    path.write_text(review.render(accepted))
    assert load_reviewed(path) == accepted


def test_the_committed_reviewed_list_is_in_its_canonical_form():
    committed = load_reviewed()
    assert "gold" not in committed.namespaces and "bronze" in committed.namespaces
    assert REVIEWED_PATH.read_text() == review.render(committed)
    # A column both classified and reviewed as not personal is a contradiction.
    both = [f"{t}.{c}" for t, cs in committed.tables.items() for c in cs if f"{t}.{c}" in CLASSIFICATION.columns]
    assert both == []
