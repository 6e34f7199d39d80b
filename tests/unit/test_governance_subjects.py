"""Finding a data subject's rows (pure parts): the ownership graph, predicates per table, CPF input, and
which audited reads touched personal data."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from pororoca_governance import audit, subjects
from pororoca_governance.classification import load_access, load_classification

MODEL = subjects.load()


def test_every_entity_is_resolved_after_the_ones_it_is_owned_through():
    order = list(MODEL.entities)
    assert order[0] == "customers"
    for name, entity in MODEL.entities.items():
        assert all(order.index(o.of) < order.index(name) for o in entity.owners), name
    assert MODEL.entities["customers"].tables == ("bronze.core_customers", "silver.customers", "silver_pii.customers")
    assert MODEL.entities["gold.credit_customer_exposure"].tables == ("gold.credit_customer_exposure",)
    assert MODEL.needed_columns("accounts") == {"account_id"}
    assert MODEL.needed_columns("pix_keys") == {"key_value"}


def test_predicates_follow_the_owners_and_use_tokens_where_silver_has_them():
    found = {"accounts": {"account_id": {3, 1}}, "pix_keys": {"key_value": {"a@b.com"}}}
    transfers = MODEL.entities["pix_transfers"]
    bronze = subjects.predicate(MODEL, transfers, found, {"payer_account_id", "payee_account_id", "payee_key"})
    assert bronze == '"payer_account_id" IN (1, 3) OR "payee_account_id" IN (1, 3) OR "payee_key" IN (\'a@b.com\')'
    silver = subjects.predicate(
        MODEL, transfers, found, {"payer_account_id", "payee_account_id", "payee_key_token"},
        {"payee_key": "text"}, lambda v, kind: f"tok({kind}:{v})",
    )  # fmt: skip
    assert silver.endswith("\"payee_key_token\" IN ('tok(text:a@b.com)')")
    root = subjects.predicate(MODEL, MODEL.entities["customers"], {"customers": {"customer_id": {7}}}, {"customer_id"})
    assert root == '"customer_id" IN (7)'
    nothing = subjects.predicate(MODEL, MODEL.entities["devices"], {}, {"customer_id"})
    assert nothing == "FALSE"


def test_literals_cannot_break_out_of_the_sql():
    assert subjects.literal("o'brien") == "'o''brien'"
    with pytest.raises(subjects.SubjectError):
        subjects.literal(None)


@pytest.mark.parametrize(
    ("text", "error"),
    [("123", "malformed"), ("529.982.247-24", "check digits"), ("5299822472x", "malformed"), ("", "malformed")],
)
def test_a_bad_cpf_is_refused_with_the_reason(text, error):
    with pytest.raises(subjects.SubjectError, match=error):
        subjects.parse_cpf(text)


def test_a_good_cpf_is_accepted_with_or_without_punctuation():
    assert subjects.parse_cpf("529.982.247-25") == subjects.parse_cpf(" 52998224725 ") == "52998224725"
    assert subjects.masked_cpf("52998224725") == "***.***.***-25"


def test_the_access_report_keeps_reads_of_personal_columns_metadata_and_denials():
    at = datetime(2026, 11, 22, tzinfo=UTC)
    customers = ["lakehouse.bronze.core_customers"]
    rows = [
        (at, "analyst", "FINISHED", "q1",
         ["lakehouse.bronze.core_customers.cpf", "lakehouse.bronze.core_customers.uf"], customers, None),
        (at, "engineer", "FINISHED", "q2", ["lakehouse.bronze.core_customers.email"], customers, None),
        (at, "superset", "FINISHED", "q3", ["lakehouse.gold.payments_hourly.tpv"], ["lakehouse.gold.payments_hourly"],
         None),
        (at, "stranger", "FAILED", "q4", ["lakehouse.silver_pii.customers.full_name"], [], None),
        (at, "engineer", "FINISHED", "q5", ["lakehouse.bronze.core_customers$files.lower_bounds"],
         ["lakehouse.bronze.core_customers$files"], None),
        (at, "engineer", "FINISHED", "q6", [], ["lakehouse.bronze.core_customers$snapshots"], None),
        (at, "engineer", "FINISHED", "q7", [], ["lakehouse.bronze.core_customers.full_name"], None),
        (at, "analyst", "FAILED", "q8", [], [],
         "Access Denied: Cannot select from table lakehouse.silver_pii.customers"),
    ]  # fmt: skip
    reads = audit.personal_reads(rows, load_classification(), load_access())
    assert [(r.query_id, r.role, r.kind, r.masked, r.columns) for r in reads] == [
        ("q1", "analyst", "columns", True, ("bronze.core_customers.cpf",)),
        ("q2", "engineer", "columns", False, ("bronze.core_customers.email",)),
        ("q4", "?", "columns", False, ("silver_pii.customers.full_name",)),
        ("q5", "engineer", "metadata", False, ()),  # file bounds; q6's snapshot list holds no value
        ("q8", "analyst", "denied", True, ()),
    ]
    assert reads[3].objects == ("bronze.core_customers$files",)
    assert "silver_pii.customers" in reads[4].denied


def test_the_receipt_names_every_topic_family_that_may_still_hold_the_subject_and_until_when():
    from pororoca_governance.raw_log import TopicSpan, prefixes, residual_statement

    three_days = 3 * 86_400_000
    assert {"core.", "acquiring.", "fraud.dlq", "fraud.scores", "fraud.alerts"} <= set(prefixes())
    held = [
        TopicSpan("core.public.customers", 0, 0, 5, three_days),
        TopicSpan("core.public.accounts", 0, 0, 9, three_days),
        TopicSpan("fraud.scores", 0, 10, 40, three_days),
        TopicSpan("fraud.dlq", 0, 7, 7, three_days),  # empty: nothing to say about it
    ]
    said = residual_statement(held, datetime(2026, 12, 1, tzinfo=UTC))
    assert "raw change topics (core.*, fraud.scores) until 2026-12-04T00:00:00+00:00 (their retention, 3 days)" in said
    forever = residual_statement([TopicSpan("fraud.alerts", 0, 0, 1, -1)], datetime(2026, 12, 1, tzinfo=UTC))
    assert "(fraud.alerts) indefinitely" in forever


def test_partner_files_that_name_a_subject_are_theirs_in_bronze_and_by_token_in_silver():
    bureau = MODEL.entities["feed.credit_bureau_scores"]
    assert bureau.tables == ("bronze.feed_credit_bureau_scores", "silver.feed_credit_bureau_scores")
    found = {"customers": {"cpf": {"52998224725"}, "email": {"a@b.com"}}}
    assert subjects.predicate(MODEL, bureau, found, {"cpf", "score"}) == "\"cpf\" IN ('52998224725')"
    kinds = subjects.token_kinds()["silver.feed_credit_bureau_scores"]
    silver = subjects.predicate(MODEL, bureau, found, {"cpf_token", "score"}, kinds, lambda v, k: f"tok({k}:{v})")
    assert silver == "\"cpf_token\" IN ('tok(cpf:52998224725)')"
    campaign = MODEL.entities["feed.campaign_events"]
    kinds = subjects.token_kinds()["silver.feed_campaign_events"]
    assert "tok(email:a@b.com)" in subjects.predicate(MODEL, campaign, found, {"customer_email_token"}, kinds,
                                                      lambda v, k: f"tok({k}:{v})")  # fmt: skip
    assert "email" in MODEL.needed_columns("customers")


def test_uuid_values_match_a_uuid_column_and_its_text_alike():
    """A subject with Open Finance consents: bronze's consent_id is a uuid, and Trino refused `uuid IN (varchar)`."""
    consent = uuid.UUID("12151fd2-7586-11e9-8f9e-2a86e4085a59")
    assert subjects.in_list("consent_id", {consent}) == (
        "CAST(\"consent_id\" AS varchar) IN ('12151fd2-7586-11e9-8f9e-2a86e4085a59')"
    )


def test_the_file_check_compares_uuid_columns_by_their_bytes():
    import pyarrow as pa
    import pyarrow.compute as pc

    from pororoca_governance.lake import _is_uuid, _uuid_array

    consent = uuid.uuid4()
    column = pa.array([consent.bytes, uuid.uuid4().bytes], type=pa.binary(16))
    assert _is_uuid(column.type) and not _is_uuid(pa.string())
    assert pc.sum(pc.is_in(column, value_set=_uuid_array([str(consent)]))).as_py() == 1


def test_erasure_writes_a_tombstone_for_each_of_the_subjects_accounts_in_the_fraud_account_directory():
    from pororoca_governance.raw_log import keyed_topics, prefixes, residual_statement, tombstones

    assert keyed_topics() == {"fraud.accounts": ("accounts", "account_id")}
    assert "fraud.context" in prefixes()  # the devices and limits `fraud bootstrap` publishes: purged too
    found = {"customers": {"customer_id": {7}}, "accounts": {"account_id": {12, 3}, "customer_id": {7}}}
    assert tombstones(found) == {"fraud.accounts": [b"3", b"12"]}  # the keys as the directory writes them
    assert tombstones({"customers": {"customer_id": {8}}}) == {}  # no account: nothing to write
    said = residual_statement([], datetime(2026, 12, 1, tzinfo=UTC), tombstones=2)
    assert "2 of the subject's keys were removed from the fraud processor's account directory" in said
    assert "feature state" in said and "not yet erased per subject" in said
    assert "account directory" not in residual_statement([], datetime(2026, 12, 1, tzinfo=UTC))
