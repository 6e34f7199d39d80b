"""The fraud API's own logic: its configuration, the access record it audits, the user a request claims."""

from __future__ import annotations

import base64

from pororoca_fraud import access as api


def test_the_committed_configuration_lets_fraud_ops_dispose_with_the_two_labels():
    config = api.load_config()
    assert "fraud_ops" in config.dispose_groups and "analyst" not in config.dispose_groups
    assert config.labels == ("confirmed_fraud", "legitimate") and config.max_alerts >= 100


def test_the_audited_user_is_the_one_claimed_even_when_the_password_is_wrong_or_the_header_garbage():
    token = base64.b64encode(b"fraud_analyst:secret:with:colons").decode()
    assert api.claimed_user(f"Basic {token}") == "fraud_analyst"
    assert api.claimed_user("Basic !!!") == ""
    assert api.claimed_user("Bearer abc") == ""
    assert api.claimed_user(None) == ""


def test_an_access_record_has_the_audit_tables_columns():
    from pororoca_catalog.streams import TABLES

    record = api.access_record("dpo", "GET", "/v1/alerts", None, 200, 3, "127.0.0.1")
    (audit,) = [t for t in TABLES if t.identifier == "audit.fraud_api"]
    columns = {name for name, _, _ in audit.columns}
    assert {k.removesuffix("_ms") for k in record} == columns
    assert "password" not in str(record)


def test_queries_take_only_integers_where_they_take_values():
    query = api.sql("score", transfer_id=42)
    assert "transfer_id = 42" in query and "{" not in query
