"""Our SQL generators evaluated by Spark itself (a local session, no catalog): Debezium's unavailable-value
placeholder in every shape it takes never wins over a real value, and Spark's identifier tokens equal Python's
on a corpus of awkward inputs."""

from __future__ import annotations

import base64
import itertools

import pytest
from pyspark.sql import SparkSession

from pororoca_core import pseudonym
from pororoca_spark import merge_sql
from pororoca_spark.entities import SilverTable

pytestmark = pytest.mark.integration

KEY = "test-key-" + "x" * 23
PH = merge_sql.UNAVAILABLE


@pytest.fixture(scope="module")
def spark():
    s = (
        SparkSession.builder.master("local[1]")
        .appName("pororoca-exact-values")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    yield s
    s.stop()


SHAPES = {
    # column: (Spark type, a real value as SQL, the placeholder as Debezium delivers it for that type, as SQL)
    "note": ("string", "'a long note'", f"'{PH}'"),
    "doc": ("string", "'{\"a\": 1}'", f"'{PH}'"),
    "raw": ("binary", "X'00FF'", f"encode('{PH}', 'UTF-8')"),
    "b64": ("string", "'AAE='", f"'{base64.b64encode(PH.encode()).decode()}'"),
    "tags": ("array<string>", "array('x', 'y')", f"array('{PH}')"),
    "nums": ("array<int>", "array(1, 2)", f"CAST(array({', '.join(str(ord(c)) for c in PH)}) AS array<int>)"),
}


def _window(spark: SparkSession, rows: list[tuple[int, int, str, dict[str, str]]]) -> None:
    """rows: (id, lsn, op, {column: SQL value})"""
    selects = []
    for i, (key, lsn, op, values) in enumerate(rows):
        cols = ", ".join(f"CAST({values.get(c, 'NULL')} AS {t}) AS {c}" for c, (t, _, _) in SHAPES.items())
        selects.append(f"SELECT {key} AS id, CAST({lsn} AS BIGINT) AS _source_lsn, {i} AS _kafka_offset, "
                       f"'{op}' AS _op, TIMESTAMP '2026-12-01 00:00:00' AS _source_ts, {cols}")  # fmt: skip
    spark.sql(" UNION ALL ".join(selects)).createOrReplaceTempView("w")


def test_the_placeholder_in_every_shape_keeps_the_newest_real_value(spark):
    t = SilverTable("silver.x", "bronze.core_x", ("id",), "lsn")
    real = {c: v for c, (_, v, _) in SHAPES.items()}
    marker = {c: p for c, (_, _, p) in SHAPES.items()}
    _window(spark, [
        (1, 10, "c", real),    # inserted with values, then updated twice with the marker everywhere
        (1, 11, "u", marker),
        (1, 12, "u", marker),
        (2, 20, "u", marker),  # only the marker in this window: silver must keep what it holds
        (3, 30, "u", {c: "NULL" for c in SHAPES}),  # a real NULL is a value, not a marker
        (3, 31, "u", marker),
    ])  # fmt: skip
    types = {c: st for c, (st, _, _) in SHAPES.items()}
    columns = [("id", "id"), *((c, c) for c in SHAPES)]
    for c, (st, _, _) in SHAPES.items():
        assert merge_sql.unavailable_sql(f"`{c}`", st), c
    out = {r["id"]: r.asDict() for r in spark.sql(merge_sql.latest_sql(t, columns, "w", KEY, types)).collect()}
    expected = {
        r["id"]: r.asDict()
        for r in spark.sql(
            "SELECT 1 AS id, " + ", ".join(f"CAST({v} AS {SHAPES[c][0]}) AS {c}" for c, v in real.items())
        ).collect()
    }
    for c in SHAPES:
        assert out[1][c] == expected[1][c], c
        assert out[1][f"{merge_sql.UNAVAILABLE_FLAG}{c}"] is False
        assert out[2][c] is None and out[2][f"{merge_sql.UNAVAILABLE_FLAG}{c}"] is True
        assert out[3][c] is None and out[3][f"{merge_sql.UNAVAILABLE_FLAG}{c}"] is False
    keep = merge_sql.unavailable_flags(t, columns, types)
    assert set(keep) == set(SHAPES)
    assert f"CASE WHEN s.`{keep['note']}` THEN t.`note` ELSE s.`note` END" in merge_sql.merge_sql(
        t, [c for c, _ in columns], "src", keep
    )


SPACES = ["", " ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u200b", "\ufeff", "\u3000", " \t\n "]
CORPUS = {
    "email": ["Ana.Souza@Exemplo.com.br", "joão@exemplo.com", "ÉLODIE@EXAMPLE.FR", "a+b@x.io"],
    "text": ["Chave-Aleatória-ÇÃ", "123e4567-e89b-12d3-a456-426614174000", "+55 11 98765-4321"],
    "cpf": ["529.982.247-25", "52998224725", " 529 982 247 25 "],
    "cnpj": ["12.ABC.345/01DE-35", "11.222.333/0001-81", "11222333000181"],
    "phone": ["+55 (11) 98765-4321", "(21)3456-7890", "+5511987654321"],
}


def test_spark_tokens_equal_python_tokens_on_awkward_inputs(spark):
    cases = [
        (kind, lead + value + trail)
        for kind, values in CORPUS.items()
        for value in values
        for lead, trail in itertools.product(SPACES[:6], SPACES)
    ]
    spark.createDataFrame(cases, "kind string, v string").createOrReplaceTempView("corpus")
    exprs = " ".join(f"WHEN kind = '{k}' THEN {pseudonym.token_sql('v', k, KEY)}" for k in CORPUS)
    got = spark.sql(f"SELECT kind, v, CASE {exprs} END AS token FROM corpus").collect()
    assert len(got) == len(cases)
    mismatched = [(r["kind"], r["v"]) for r in got if r["token"] != pseudonym.token(r["v"], r["kind"], KEY)]
    assert not mismatched, f"{len(mismatched)} differ, e.g. {mismatched[:3]}"
    # and whitespace around a value never changes its token
    for kind, values in CORPUS.items():
        for value in values:
            assert pseudonym.token(f"\u00a0{value}\n", kind, KEY) == pseudonym.token(value, kind, KEY)
