from pororoca_governance.access_check import AccessCheck, Finding


def test_the_policy_is_enforced_only_with_authentication_and_no_leak():
    masked = [Finding("silver.customers.cpf", "masked"), Finding("silver.pix_keys.key_value", "denied")]
    assert AccessCheck("refused", masked).ok
    assert not AccessCheck("not enforced: a wrong password was accepted", masked).ok
    assert not AccessCheck("refused", [*masked, Finding("silver.customers.email", "LEAKED")]).ok
    assert AccessCheck("refused", [Finding("silver.devices.ip", "no data")]).ok  # nothing to compare yet


def test_checks_take_tables_from_every_namespace_in_turn():
    from pororoca_governance.access_check import _across_namespaces

    masked = {
        "bronze.a": {"x": "null"},
        "bronze.b": {"y": "null"},
        "silver.c": {"z": "hash"},
        "silver_pii.d": {"w": "null"},
    }
    assert [t for t, _ in _across_namespaces(masked)] == ["bronze.a", "silver.c", "silver_pii.d", "bronze.b"]
