"""The silver definitions (spark_apps/silver.toml): valid, complete, and keeping personal data out of silver."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pororoca_catalog import bronze
from pororoca_spark import entities

MIGRATIONS = Path(__file__).resolve().parents[2] / "sources" / "migrations"
SQL_WORDS = {"CONSTRAINT", "KEY", "UNIQUE", "CHECK", "PRIMARY", "FOREIGN", "INDEX", "CHECK(("}
PERSONAL = {"cpf", "cnpj", "email", "phone", "full_name", "street", "postal_code", "legal_name",
            "key_value", "payee_key", "ip", "fingerprint"}  # fmt: skip


def test_the_definitions_load_and_name_each_table_once():
    tables = entities.load()
    assert len({t.name for t in tables}) == len(tables) > 20


def test_every_bronze_table_of_the_sources_is_curated():
    sources = {t.source for t in entities.load()}
    assert "bronze.core_customers" in sources and "bronze.acquiring_pos_transactions" in sources
    assert all(s.startswith(("bronze.core_", "bronze.acquiring_")) for s in sources)


def _customers(name: str) -> entities.SilverTable:
    return next(t for t in entities.load() if t.name == name)


def test_silver_customers_keep_tokens_not_identifiers_and_no_names_or_addresses():
    cols = ["customer_id", "cpf", "full_name", "birth_date", "email", "phone", "street", "city", "uf",
            "postal_code", "income_band", "status", "_op", "_source_lsn", "_kafka_offset"]  # fmt: skip
    out = [o for o, _ in _customers("silver.customers").output_columns(cols)]
    assert out == ["customer_id", "cpf_token", "birth_date", "email_token", "phone_token", "uf", "income_band",
                   "status"]  # fmt: skip


def test_silver_pii_keeps_identifiers_beside_their_tokens():
    cols = ["customer_id", "cpf", "full_name", "birth_date", "email", "phone", "street", "city", "uf",
            "postal_code", "income_band", "_op"]  # fmt: skip
    out = _customers("silver_pii.customers").output_columns(cols)
    assert ("cpf", "cpf") in out and ("cpf_token", "cpf") in out and ("full_name", "full_name") in out
    assert ("income_band", "income_band") not in out


def _source_columns() -> dict[str, list[str]]:
    """bronze table -> its source table's columns, read from the migrations."""
    out: dict[str, list[str]] = {}
    for db in ("core", "acquiring"):
        for sql in sorted((MIGRATIONS / db).glob("*.sql")):
            for name, body in re.findall(r"CREATE TABLE (\w+) \((.*?)\n\)", sql.read_text(), re.S):
                cols = [ln.split()[0] for ln in body.splitlines() if ln.strip()]
                out[f"bronze.{db}_{name}"] = [c for c in cols if c.upper() not in SQL_WORDS]
    return out


def test_no_raw_personal_column_reaches_the_silver_namespace():
    columns = _source_columns()
    for t in entities.load():
        out = {o for o, _ in t.output_columns(columns[t.source])}
        if t.namespace == "silver":
            assert not out & PERSONAL, f"{t.name} exposes {out & PERSONAL}"
    assert "number_token" in {o for o, _ in next(t for t in entities.load() if t.name == "silver.accounts")
                              .output_columns(columns["bronze.core_accounts"])}  # fmt: skip
    pii = {o for t in entities.load() if t.namespace == "silver_pii" for o, _ in t.output_columns(columns[t.source])}
    assert {"cpf", "full_name", "email", "phone", "street", "cnpj", "legal_name"} <= pii


def test_capture_columns_are_the_ones_bronze_declares():
    declared = {n for n, _, _ in bronze._COMMON} | {n for cols in bronze._POSITION.values() for n, _, _ in cols}
    assert declared <= entities.CAPTURE_COLUMNS


def test_a_missing_column_is_named_in_the_error():
    with pytest.raises(ValueError, match=r"silver\.customers: bronze\.core_customers has no column"):
        _customers("silver.customers").output_columns(["customer_id", "uf"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"position": "scn"}, "position must be one of"),
        ({"tokenise": {"cpf": "soundex"}}, "unknown normaliser"),
        ({"name": "gold.customers"}, "live in silver or silver_pii"),
        ({"colour": "blue"}, "unknown setting"),
    ],
)
def test_bad_definitions_are_refused_with_a_reason(change, message):
    table = {"name": "silver.x", "source": "bronze.core_x", "key": ["id"], "position": "lsn"} | change
    with pytest.raises(ValueError, match=message):
        entities.parse({"tables": [table]})
