"""Recognisers and the discovery report, on values built here (generated identifiers, known-bad variants)."""

from __future__ import annotations

import random
from unittest import mock

import pytest

from pororoca_core import ids
from pororoca_governance import discover_lake, discovery
from pororoca_governance import recognisers as r

RNG = random.Random(5)
CPFS = [ids.random_cpf(RNG) for _ in range(50)]
CNPJS = [ids.random_cnpj(RNG, alphanumeric=i % 2 == 0) for i in range(50)]


def formatted_cpf(c: str) -> str:
    return f"{c[:3]}.{c[3:6]}.{c[6:9]}-{c[9:]}"


def test_cpf_formatted_or_not_and_only_with_valid_check_digits():
    assert all(r.is_cpf(c) and r.is_cpf(formatted_cpf(c)) for c in CPFS)
    assert not any(r.is_cpf(c[:-1] + str((int(c[-1]) + 1) % 10)) for c in CPFS)
    assert not r.is_cpf("1234567890")


def test_cnpj_numeric_and_alphanumeric():
    assert all(r.is_cnpj(c) for c in CNPJS)
    assert any(not c.isdigit() for c in CNPJS)  # the alphanumeric format was exercised
    assert not r.is_cnpj(CNPJS[1][:-1] + str((int(CNPJS[1][-1]) + 1) % 10))


@pytest.mark.parametrize(
    ("test", "good", "bad"),
    [
        (r.is_email, ["ana.souza@exemplo.com.br", "x+tag@mail.io"], ["ana@", "not an email", "a@b"]),
        (r.is_phone, ["+5511987654321", "(21) 98765-4321", "1133334444"], ["+5500987654321", "12345", "11187654321"]),
        (r.is_cep, ["01310-100", "20040020"], ["0131-100", "00000000"]),
        (r.is_pix_random_key, ["123e4567-e89b-42d3-a456-426614174000"], ["123e4567-e89b-12d3-a456-426614174000"]),
        (r.is_ip, ["10.0.0.1", "2001:db8::1"], ["300.1.1.1", "10.0.0"]),
        (r.is_card_pan, ["4111 1111 1111 1111", "5500005555555559"], ["4111 1111 1111 1112", "1234"]),
        (r.is_person_name, ["Ana Souza", "João da Silva Santos", "Maria José de Oliveira"],
         ["ACME LTDA", "ana souza", "Credit Card", "Souza"]),
    ],
)  # fmt: skip
def test_value_recognisers(test, good, bad):
    assert all(test(v) for v in good), [v for v in good if not test(v)]
    assert not any(test(v) for v in bad), [v for v in bad if test(v)]


def test_birth_dates_are_plausible_ages_only():
    from datetime import date

    today = date(2026, 12, 1)
    assert r.is_birth_date("1980-02-29", today) and r.is_birth_date("2000-12-31 00:00:00", today)
    assert not r.is_birth_date("2025-01-01", today)  # a baby is not a customer
    assert not r.is_birth_date("1981-02-29", today)  # no such day


def test_a_column_of_cpfs_is_found_by_values_alone_and_more_surely_with_its_name():
    n, found = discovery.assess("bronze.x.documento_responsavel", CPFS)
    assert n == 50 and found[0].kind == "cpf" and found[0].confidence == 0.99 and found[0].by_name
    _, by_values = discovery.assess("bronze.x.col7", CPFS)
    assert by_values[0].kind == "cpf" and 0.6 <= by_values[0].confidence < 0.99


def test_non_personal_columns_yield_nothing():
    counts = [str(i) for i in range(200)]
    statuses = ["active", "blocked"] * 50
    ids_ = [f"E{RNG.getrandbits(100):032x}" for _ in range(100)]
    for column, values in [("t.amount", counts), ("t.status", statuses), ("t.end_to_end_id", ids_)]:
        assert discovery.assess(column, values) == (len(values), ()), column


def test_one_value_alone_is_no_evidence_but_three_are_and_a_name_needs_one():
    """A fraud test's 13-digit device id passed the card number's Luhn test: one value in a sparse column."""
    pan_like = "1000000000009"  # 13 digits, Luhn-valid
    assert r.is_card_pan(pan_like)
    assert discovery.assess("bronze.t.device_id", [pan_like] + [None] * 999) == (1, ())
    assert discovery.assess("bronze.t.col7", CPFS[:2]) == (2, ())
    assert discovery.assess("bronze.t.col7", CPFS[:3])[1][0].kind == "cpf"
    assert discovery.assess("bronze.t.cpf_titular", CPFS[:1])[1][0].confidence == 0.99


def test_a_sparse_column_is_judged_by_its_own_non_empty_values():
    """One filled row in the table's sample: discovery asks for the column's non-empty rows alone."""
    asked: list[str] = []

    class Cursor:
        def execute(self, sql: str) -> None:
            asked.append(sql)

        def fetchall(self) -> list[tuple]:
            sql = asked[-1]
            if "information_schema" in sql:
                return [("bronze", "t", "device_id", "bigint"), ("bronze", "t", "amount", "bigint")]
            if "IS NOT NULL" in sql:
                return [(str(i),) for i in range(1, 51)]
            return [("1000000000009" if i == 0 else None, str(i)) for i in range(100)]

    class Conn:
        def cursor(self) -> Cursor:
            return Cursor()

        def __enter__(self) -> Conn:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

    with mock.patch.object(discover_lake.lakehouse, "trino_connection", lambda ep: Conn()):
        assessed = discover_lake.discover(mock.sentinel.ep, size=100)
    assert assessed["bronze.t.device_id"] == (50, ())  # its 50 values, not the one of the joint sample
    assert assessed["bronze.t.amount"][0] == 100
    assert sum("IS NOT NULL" in q for q in asked) == 1  # the filled column is not sampled twice


def test_a_date_is_a_birth_date_only_when_the_name_says_so():
    dates = ["1985-03-04", "1990-10-10"] * 20
    assert discovery.assess("t.opened_at", dates)[1] == ()
    assert discovery.assess("t.data_nascimento", dates)[1][0].kind == "birth_date"


def test_capture_columns_and_tokens_are_not_sampled():
    assert discovery.skipped("bronze.t._source_ts") and discovery.skipped("silver.customers.cpf_token")
    assert not discovery.skipped("silver.customers.cpf")


def test_the_report_flags_unclassified_personal_columns_and_classified_ones_not_found():
    assessed = {
        "bronze.t.cpf": discovery.assess("bronze.t.cpf", CPFS),
        "bronze.t.new_doc": discovery.assess("bronze.t.new_doc", CPFS),
        "bronze.t.email": discovery.assess("bronze.t.email", ["n/a"] * 30),
        "bronze.t.amount": discovery.assess("bronze.t.amount", [str(i) for i in range(30)]),
    }
    classification = {"bronze.t.cpf": ("PersonalData", "CPF"), "bronze.t.email": ("PersonalData", "Email")}
    report = discovery.compare(assessed, classification)
    assert [c.column for c in report.unclassified] == ["bronze.t.new_doc"]
    assert report.unclassified[0].suggested_tags == ("PersonalData", "CPF")
    assert report.not_found == ("bronze.t.email",)
    assert not report.clean
    text = discovery.as_text(report)
    assert "\"bronze.t.new_doc\" = ['PersonalData', 'CPF']" in text
    assert not any(c in text for c in CPFS)  # no sampled value is ever printed
    assert not any(c in str(discovery.as_json(report)) for c in CPFS)
