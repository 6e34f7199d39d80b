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


def test_wrong_passwords_lock_out_that_user_on_that_client_then_the_client_and_the_lockout_ends():
    policy = api.LoginPolicy(max_failures=3, window_seconds=60, lockout_seconds=300)
    t = api.LoginThrottle(policy)
    for i in range(2):
        t.failed("fraud_analyst", "10.0.0.9", now=i)
    assert t.retry_after("fraud_analyst", "10.0.0.9", now=2) is None
    t.succeeded("fraud_analyst", "10.0.0.9")  # a right password forgives the user's earlier mistakes
    for i in range(3):
        t.failed("fraud_analyst", "10.0.0.9", now=10 + i)
    assert t.retry_after("fraud_analyst", "10.0.0.9", now=13) == 299
    # Not a lockout of the colleague on another machine, nor of the user elsewhere.
    assert t.retry_after("dpo", "10.0.0.7", now=13) is None
    assert t.retry_after("fraud_analyst", "10.0.0.7", now=13) is None
    assert t.retry_after("fraud_analyst", "10.0.0.9", now=312) is None
    # Spraying many users from one address locks the address.
    for i, user in enumerate(f"user{n}" for n in range(12)):
        t.failed(user, "203.0.113.5", now=400 + i)
    assert t.retry_after("someone_else", "203.0.113.5", now=420) is not None
    # Failures older than the window do not add up.
    t.failed("steward", "10.0.0.1", now=1000)
    t.failed("steward", "10.0.0.1", now=1100)
    t.failed("steward", "10.0.0.1", now=1200)
    assert t.retry_after("steward", "10.0.0.1", now=1201) is None


def test_the_throttle_forgets_the_oldest_keys_beyond_its_bound():
    t = api.LoginThrottle(api.LoginPolicy(5, 60, 60), max_keys=10)
    for n in range(100):
        t.failed(f"user{n}", f"10.0.{n}.1", now=n * 0.01)
    assert len(t._failures) <= 10
