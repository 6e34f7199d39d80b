"""Identifier tokens and curation watermarks (pure logic; Spark's side is checked on the real stack)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from pororoca_core import pseudonym
from pororoca_spark import merge_sql, watermark
from pororoca_spark.entities import SilverTable

KEY = "k" * 32


def test_a_token_is_an_hmac_of_the_normalised_value():
    expected = hmac.new(KEY.encode(), b"12345678909", hashlib.sha256).hexdigest()[:32]
    assert pseudonym.token("123.456.789-09", "cpf", KEY) == expected
    assert pseudonym.token("12345678909", "cpf", KEY) == expected


@pytest.mark.parametrize(
    ("kind", "a", "b"),
    [("email", " Ana@Exemplo.com.br ", "ana@exemplo.com.br"), ("phone", "+55 (11) 98765-4321", "+5511987654321"),
     ("cnpj", "12.ABC.345/01DE-35", "12ABC34501DE35"), ("text", " Chave ", "chave")],
)  # fmt: skip
def test_equal_identifiers_written_differently_get_one_token(kind, a, b):
    assert pseudonym.token(a, kind, KEY) == pseudonym.token(b, kind, KEY)


def test_tokens_depend_on_the_key_and_keep_nulls():
    assert pseudonym.token("12345678909", "cpf", KEY) != pseudonym.token("12345678909", "cpf", "other")
    assert pseudonym.token(None, "cpf", KEY) is None


def test_the_spark_expression_embeds_the_rfc_2104_pads_not_the_key():
    sql = pseudonym.token_sql("`cpf`", "cpf", KEY)
    ipad = bytes(b ^ 0x36 for b in KEY.encode().ljust(64, b"\0")).hex()
    assert ipad in sql and KEY.encode().hex() not in sql and "regexp_replace(`cpf`" in sql


def test_watermarks_round_trip_and_only_move_forward():
    wm = watermark.advance({0: 10, 1: 5}, {0: 7, 2: 3})
    assert wm == {0: 10, 1: 5, 2: 3}
    assert watermark.decode(watermark.encode(wm)) == wm
    assert watermark.decode(None) == {}


def test_the_window_predicate_reads_after_the_watermark_and_any_new_partition():
    assert watermark.after_sql({}) == "TRUE"
    sql = watermark.after_sql({0: 10, 3: 2})
    assert "(_kafka_partition = 0 AND _kafka_offset > 10)" in sql and "NOT IN (0, 3)" in sql


TABLE = SilverTable("silver.x", "bronze.core_x", ("id",), "lsn", tokenise={"cpf": "cpf"})


def test_the_merge_applies_only_newer_changes():
    sql = merge_sql.merge_sql(TABLE, ["id", "cpf_token"], "src")
    assert "s._source_position > t._source_position THEN UPDATE" in sql
    assert "s._op = 'd' AND s._source_position >= t._source_position THEN DELETE" in sql
    assert "WHEN NOT MATCHED AND s._op <> 'd' THEN INSERT" in sql


def test_older_upserts_than_an_applied_delete_are_dropped():
    sql = merge_sql.merge_source_sql(TABLE, "latest", "lakehouse.silver.deleted_keys")
    assert "s._op = 'd' OR d.position IS NULL OR s._source_position > d.position" in sql


def test_positions_sort_as_strings_in_log_order():
    assert merge_sql.position_sql("lsn") == "lpad(CAST(_source_lsn AS STRING), 28, '0')"
    assert "regexp_extract(_source_file" in merge_sql.position_sql("binlog")
    assert merge_sql.partition_sql("month(created_at)") == "PARTITIONED BY (months(created_at))"
    assert merge_sql.partition_sql(None) == ""
