"""The LGPD classification compiled into Trino's access rules, evaluated here the way Trino does (first
matching rule wins), without a server."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from pororoca_governance import identities, policy
from pororoca_governance.classification import (
    ClassificationError,
    check_masks,
    load_access,
    load_classification,
    load_reviewed,
    reviewed_with_feeds,
)

ROOT = Path(__file__).resolve().parents[2]
CLASSIFICATION = load_classification()
ACCESS = load_access()
RULES = policy.compile_rules(CLASSIFICATION, ACCESS)


def table_rule(rules: dict, group: str, schema: str, table: str, catalog: str = "lakehouse") -> dict:
    for rule in rules["tables"]:
        if "group" in rule and not re.fullmatch(rule["group"], group):
            continue
        if "catalog" in rule and not re.fullmatch(rule["catalog"], catalog):
            continue
        if "schema" in rule and not re.fullmatch(rule["schema"], schema):
            continue
        if "table" in rule and not re.fullmatch(rule["table"], table):
            continue
        return rule
    raise AssertionError("no rule matched: the final deny is missing")


def masks(rule: dict) -> dict[str, str]:
    return {c["name"]: c["mask"] for c in rule.get("columns", [])}


def test_the_committed_rules_are_the_compiled_classification():
    committed = json.loads((ROOT / "stack/conf/trino/rules.json").read_text())
    assert committed == RULES, "run `pororoca governance compile` after editing governance/lgpd/"
    assert (ROOT / "stack/conf/trino/groups.txt").read_text() == policy.group_file(ACCESS)
    procedures = (ROOT / "stack/conf/trino/table-procedures.properties").read_text()
    assert procedures == policy.table_procedures(ACCESS)
    reviewed = (ROOT / "stack/conf/trino/reviewed-columns.properties").read_text()
    assert reviewed == policy.reviewed_columns(CLASSIFICATION, reviewed_with_feeds(load_reviewed()), ACCESS)


def test_analysts_see_raw_identifiers_only_masked():
    rule = table_rule(RULES, "analyst", "bronze", "core_customers")
    assert rule["privileges"] == ["SELECT"]
    m = masks(rule)
    assert {"cpf", "email", "phone", "full_name", "street"} <= m.keys()
    assert m["cpf"].startswith("'***.***.***-'")
    assert "customer_id" not in m and "uf" not in m  # not personal on its own: stays readable


def test_analysts_are_denied_restricted_namespaces_and_subject_level_tables():
    for schema, table in [
        ("silver_pii", "customers"),
        ("audit", "trino_queries"),
        ("gold", "credit_customer_exposure"),
    ]:
        assert table_rule(RULES, "analyst", schema, table)["privileges"] == [], f"{schema}.{table}"
    assert table_rule(RULES, "analyst", "gold", "credit_default_rate")["privileges"] == ["SELECT"]
    assert table_rule(RULES, "analyst", "silver", "pix_transfers")["privileges"] == ["SELECT"]


def test_engineers_operate_the_pipeline_unmasked_but_never_read_names_or_the_audit():
    rule = table_rule(RULES, "engineer", "bronze", "core_customers")
    assert "DELETE" in rule["privileges"]
    # Identifiers stay raw (to trace a change), names and addresses are masked even in the raw change log.
    assert {"full_name", "street"} <= set(masks(rule)) and "cpf" not in masks(rule) and "email" not in masks(rule)
    assert table_rule(RULES, "engineer", "silver_pii", "customers")["privileges"] == []
    assert table_rule(RULES, "engineer", "audit", "trino_queries")["privileges"] == []


def test_the_dpo_erases_everywhere_and_reads_the_audit_and_only_privileged_roles_lower_retention():
    assert "DELETE" in table_rule(RULES, "dpo", "silver_pii", "customers")["privileges"]
    assert table_rule(RULES, "dpo", "audit", "erasure_receipts")["privileges"] == ["SELECT", "INSERT"]
    props = RULES["catalog_session_properties"]
    assert re.fullmatch(props[0]["group"], "dpo") and not re.fullmatch(props[0]["group"], "analyst")
    assert re.fullmatch(props[1]["property"], "expire_snapshots_min_retention") and props[1]["allow"] is False


def test_superset_reads_gold_kpis_only_and_unknown_users_nothing():
    assert table_rule(RULES, "bi", "gold", "payments_hourly")["privileges"] == ["SELECT"]
    assert table_rule(RULES, "bi", "silver", "customers")["privileges"] == []
    assert table_rule(RULES, "nobody", "gold", "payments_hourly")["privileges"] == []
    assert RULES["catalogs"][-1] == {"allow": "none"}


def test_a_new_tag_masks_the_column_for_analysts_and_a_steward_decision_replaces_the_file():
    tagged = CLASSIFICATION.with_tags({"silver.customers.occupation": ("PersonalData", "Name")})
    rule = table_rule(policy.compile_rules(tagged, ACCESS), "analyst", "silver", "customers")
    assert masks(rule)["occupation"] == "substr(\"occupation\", 1, 1) || '***'"
    untagged = CLASSIFICATION.with_tags({"silver.customers.birth_date": ()})
    assert "birth_date" not in masks(
        table_rule(policy.compile_rules(untagged, ACCESS), "analyst", "silver", "customers")
    )


def test_bad_classification_is_refused_with_the_reason():
    with pytest.raises(ClassificationError, match="unknown tag"):
        CLASSIFICATION.with_tags({"silver.customers.occupation": ("Pii",)})
    with pytest.raises(ClassificationError, match="namespace"):
        CLASSIFICATION.with_tags({"customers.occupation": ("PersonalData",)})
    broken = replace(ACCESS, masks={})
    with pytest.raises(ClassificationError, match="masks"):
        check_masks(CLASSIFICATION, broken)


def test_every_role_is_a_group_of_its_users():
    groups = dict(line.split(":") for line in policy.group_file(ACCESS).splitlines())
    assert groups["analyst"] == "analyst" and groups["bi"] == "superset" and groups["platform"] == "pororoca"


def test_password_hashes_are_trinos_pbkdf2_and_stable_while_the_password_is():
    # RFC 6070 test vector (PBKDF2-HMAC-SHA1, "password"/"salt", 1 iteration): the first 20 bytes.
    stored = identities.hash_password("password", b"salt", iterations=1)
    assert stored.split(":")[2][:40] == "0c60c80f961f0e71f3a9b524af6012062fe037a6"
    secrets = {"trino_analyst_password": "a" * 32}
    first = identities.password_file(["analyst"], secrets)
    assert identities.verify("a" * 32, identities.parse_password_file(first)["analyst"])
    assert identities.password_file(["analyst"], secrets, identities.parse_password_file(first)) == first
    changed = identities.password_file(
        ["analyst"], {"trino_analyst_password": "b" * 32}, identities.parse_password_file(first)
    )
    assert changed != first


@pytest.mark.parametrize("group", ["analyst", "steward", "bi"])
@pytest.mark.parametrize("kind", ["files", "partitions", "entries", "all_entries", "manifests", "all_manifests"])
def test_masked_roles_read_no_file_level_metadata(group, kind):
    """Column bounds in `$files` (and the rest) would hand out the raw values the masks hide."""
    for schema, table in [("bronze", "core_customers"), ("silver", "customers"), ("gold", "credit_default_rate")]:
        assert table_rule(RULES, group, schema, f"{table}${kind}")["privileges"] == [], f"{schema}.{table}${kind}"
    assert table_rule(RULES, group, "gold", "credit_default_rate$snapshots")["privileges"] == ["SELECT"]


def test_unmasked_roles_keep_their_metadata_tables():
    assert table_rule(RULES, "platform", "silver", "customers$files")["privileges"] != []
    # Engineers see names masked, so not the file bounds that would hold them; table history stays theirs.
    assert table_rule(RULES, "engineer", "bronze", "core_customers$files")["privileges"] == []
    assert table_rule(RULES, "engineer", "bronze", "core_customers$snapshots")["privileges"] != []


def test_the_audit_is_append_only_for_every_role():
    for group in ACCESS.roles:
        for table in ("trino_queries", "erasure_receipts"):
            privileges = table_rule(RULES, group, "audit", table)["privileges"]
            assert not {"DELETE", "UPDATE"} & set(privileges), f"{group} on audit.{table}"
            assert "INSERT" not in privileges or (group, table) == ("dpo", "erasure_receipts")
    assert table_rule(RULES, "dpo", "audit", "erasure_receipts")["privileges"] == ["SELECT", "INSERT"]
    assert table_rule(RULES, "dpo", "audit", "trino_queries")["privileges"] == ["SELECT"]  # no forged records
    assert table_rule(RULES, "platform", "audit", "trino_queries")["privileges"] == ["SELECT", "OWNERSHIP"]


def test_table_procedures_belong_to_the_roles_that_maintain_tables():
    lines = policy.table_procedures(ACCESS).splitlines()
    granted = dict(line.removeprefix("group.").split("=", 1) for line in lines if line.startswith("group."))
    # The DPO's erasure compacts and expires snapshots; analysts, stewards and BI never run procedures.
    assert granted == {"platform": ".*", "engineer": "bronze|gold|silver", "dpo": "bronze|gold|silver|silver_pii"}
