"""The SQL of one curation step, built from a silver table's definition (pure: no Spark here)."""

from __future__ import annotations

import base64

from pororoca_core.pseudonym import token, token_sql
from pororoca_spark.entities import SilverTable

TOMBSTONES = "silver.deleted_keys"
POSITION_WIDTH = 28
# Debezium's default `unavailable.value.placeholder`: what an update carries for a large (TOASTed) value it did
# not change when the table's replica identity does not include it. Never a value: silver keeps the last one.
UNAVAILABLE = "__debezium_unavailable_value"
UNAVAILABLE_FLAG = "_unavailable__"  # prefix of the per-column flags between `latest` and the MERGE

_TRANSFORMS = {"year": "years", "month": "months", "day": "days", "hour": "hours"}

TABLE_PROPERTIES = {
    "format-version": "2",
    # MERGE writes delete files instead of rewriting data files; compaction folds them in.
    "write.merge.mode": "merge-on-read",
    "write.update.mode": "merge-on-read",
    "write.delete.mode": "merge-on-read",
    "write.parquet.compression-codec": "zstd",
    "commit.retry.num-retries": "10",
    "write.metadata.delete-after-commit.enabled": "true",
    "write.metadata.previous-versions-max": "50",
}


def q(name: str) -> str:
    return ".".join(f"`{p}`" for p in name.split("."))


def position_sql(kind: str) -> str:
    """A change's place in its source log as a fixed-width string, so plain string order is log order."""
    w = POSITION_WIDTH
    if kind == "lsn":
        return f"lpad(CAST(_source_lsn AS STRING), {w}, '0')"
    # binlog: file sequence number (mysql-bin.000042), byte position, row within the event.
    return (
        "concat(lpad(regexp_extract(_source_file, '([0-9]+)$', 1), 10, '0'), "
        "lpad(CAST(_source_pos AS STRING), 12, '0'), lpad(CAST(coalesce(_source_row, 0) AS STRING), 6, '0'))"
    )


def key_sql(t: SilverTable, alias: str = "") -> str:
    a = f"{alias}." if alias else ""
    return "concat_ws('|', " + ", ".join(f"CAST({a}`{k}` AS STRING)" for k in t.key) + ")"


def unavailable_sql(column_sql: str, spark_type: str) -> str | None:
    """True where a change carries the placeholder instead of the column's value, in the shape Debezium gives it
    for that type (text and JSON as the string, bytea base64-encoded, arrays as a one-element list of the
    string or of its character codes); None for types that are never stored out of line."""
    codes = ", ".join(str(ord(ch)) for ch in UNAVAILABLE)
    b64 = base64.b64encode(UNAVAILABLE.encode()).decode()
    if spark_type == "string":
        return f"{column_sql} IN ('{UNAVAILABLE}', '{b64}')"
    if spark_type == "binary":
        return f"{column_sql} = encode('{UNAVAILABLE}', 'UTF-8')"
    if spark_type == "array<string>":
        return f"{column_sql} = array('{UNAVAILABLE}')"
    if spark_type in ("array<int>", "array<bigint>", "array<smallint>"):
        element = spark_type[6:-1]
        return f"{column_sql} = CAST(array({codes}) AS array<{element}>)"
    return None


def latest_sql(
    t: SilverTable,
    columns: list[tuple[str, str]],
    window_view: str,
    pseudonym_key: str,
    types: dict[str, str] | None = None,
) -> str:
    """The newest change per key in the window: the row image to keep (tokenised) or the delete to apply.
    Ties on position (a change the connector re-sent after a restart) go to the later Kafka offset.

    A column that can carry Debezium's unavailable-value placeholder takes the newest real value of the window
    instead (wrapped in a struct so that a real NULL still counts as a value), and a flag
    `_unavailable__<column>` says when the window has none: the MERGE then keeps what silver holds."""
    types = types or {}
    order = f"{position_sql(t.position)}, _kafka_offset"
    keys = ", ".join(f"`{k}`" for k in t.key)
    carried: dict[str, str] = {}  # source column -> its placeholder test
    for _, src in columns:
        test = unavailable_sql(f"`{src}`", types.get(src, ""))
        if test and src not in t.key:
            carried[src] = test
    windows = "".join(
        f", last_value(CASE WHEN _op = 'd' OR {test} THEN NULL ELSE named_struct('v', `{src}`) END, true) OVER ("
        f"PARTITION BY {keys} ORDER BY {order} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) "
        f"AS `{UNAVAILABLE_FLAG}{src}__v`"
        for src, test in carried.items()
    )
    select = []
    for out, src in columns:
        value = f"`{UNAVAILABLE_FLAG}{src}__v`.v" if src in carried else f"`{src}`"
        kind = t.tokenise.get(src) if out != src else None
        select.append(f"{token_sql(value, kind, pseudonym_key) if kind else value} AS `{out}`")
    flags = "".join(f", `{UNAVAILABLE_FLAG}{src}__v` IS NULL AS `{UNAVAILABLE_FLAG}{src}`" for src in carried)
    return (
        f"SELECT {', '.join(select)}{flags}, _source_position, _source_ts, _op FROM ("
        f"SELECT *, {position_sql(t.position)} AS _source_position, row_number() OVER ("
        f"PARTITION BY {keys} ORDER BY {position_sql(t.position)} DESC, _kafka_offset DESC) AS _rank{windows} "
        f"FROM {window_view}) WHERE _rank = 1"
    )


def unavailable_flags(t: SilverTable, columns: list[tuple[str, str]], types: dict[str, str]) -> dict[str, str]:
    """Output column -> the flag that says its change carried no value (see `latest_sql`)."""
    return {
        out: f"{UNAVAILABLE_FLAG}{src}"
        for out, src in columns
        if src not in t.key and unavailable_sql(f"`{src}`", types.get(src, ""))
    }


def merge_source_sql(t: SilverTable, latest_view: str, tombstones: str) -> str:
    """Drop upserts older than a delete already applied: a late or re-sent change must not resurrect a row."""
    return (
        f"SELECT s.* FROM {latest_view} s LEFT JOIN (SELECT key, position FROM {q(tombstones)} "
        f"WHERE table_name = '{t.name}') d ON d.key = {key_sql(t, 's')} "
        f"WHERE s._op = 'd' OR d.position IS NULL OR s._source_position > d.position"
    )


def tombstones_merge_sql(t: SilverTable, latest_view: str, tombstones: str) -> str:
    return (
        f"MERGE INTO {q(tombstones)} d USING (SELECT '{t.name}' AS table_name, {key_sql(t)} AS key, "
        f"_source_position AS position, _source_ts AS source_ts FROM {latest_view} WHERE _op = 'd') s "
        f"ON d.table_name = s.table_name AND d.key = s.key "
        f"WHEN MATCHED AND s.position > d.position THEN UPDATE SET d.position = s.position, d.source_ts = s.source_ts "
        f"WHEN NOT MATCHED THEN INSERT (table_name, key, position, source_ts) "
        f"VALUES (s.table_name, s.key, s.position, s.source_ts)"
    )


def merge_sql(t: SilverTable, columns: list[str], source_view: str, keep_if: dict[str, str] | None = None) -> str:
    """Apply the newest change per key, only where it is newer than what silver holds: replaying any window
    again, or an older change arriving late, changes nothing. `keep_if` maps a column to the flag under which
    silver keeps its current value (the change did not carry it)."""
    keep_if = keep_if or {}
    on = " AND ".join(f"t.`{k}` = s.`{k}`" for k in t.key)
    cols = [*columns, "_source_position", "_source_ts"]

    def assign(c: str) -> str:
        if c in keep_if:
            return f"t.`{c}` = CASE WHEN s.`{keep_if[c]}` THEN t.`{c}` ELSE s.`{c}` END"
        return f"t.`{c}` = s.`{c}`"

    sets = ", ".join(assign(c) for c in cols if c not in t.key)
    names = ", ".join(f"`{c}`" for c in cols)
    values = ", ".join(f"s.`{c}`" for c in cols)
    return (
        f"MERGE INTO {q(t.name)} t USING {source_view} s ON {on} "
        f"WHEN MATCHED AND s._op = 'd' AND s._source_position >= t._source_position THEN DELETE "
        f"WHEN MATCHED AND s._op <> 'd' AND s._source_position > t._source_position THEN UPDATE SET {sets} "
        f"WHEN NOT MATCHED AND s._op <> 'd' THEN INSERT ({names}) VALUES ({values})"
    )


def partition_sql(spec: str | None) -> str:
    if not spec:
        return ""
    fn, _, rest = spec.partition("(")
    return f"PARTITIONED BY ({_TRANSFORMS.get(fn.strip(), fn.strip())}({rest})"


def properties_sql() -> str:
    return ", ".join(f"'{k}' = '{v}'" for k, v in TABLE_PROPERTIES.items())


def placeholder_in_silver_sql(
    t: SilverTable, columns: list[tuple[str, str]], types: dict[str, str], key: str, alias: str = ""
) -> dict[str, str]:
    """Output column -> a test that silver holds the placeholder there (written before silver knew it), as the
    value itself or as the token of it."""
    a = f"{alias}." if alias else ""
    tests = {}
    for out, src in columns:
        if src in t.key or not unavailable_sql(f"`{src}`", types.get(src, "")):
            continue
        kind = t.tokenise.get(src) if out != src else None
        if kind:
            tokens = {token(v, kind, key) for v in (UNAVAILABLE, base64.b64encode(UNAVAILABLE.encode()).decode())}
            tests[out] = f"{a}`{out}` IN ({', '.join(repr(x) for x in sorted(t_ for t_ in tokens if t_))})"
        else:
            tests[out] = unavailable_sql(f"{a}`{out}`", types[src])  # type: ignore[assignment]
    return tests


def repair_sql(t: SilverTable, tests: dict[str, str], flag: dict[str, str], source_view: str) -> str:
    """Put back, where silver holds the placeholder, the newest real value bronze has (`source_view` is
    `latest_sql` over the affected keys' whole history; `flag` from `unavailable_flags`)."""
    on = " AND ".join(f"t.`{k}` = s.`{k}`" for k in t.key)
    any_bad = " OR ".join(f"({test})" for test in tests.values())
    sets = ", ".join(
        f"t.`{out}` = CASE WHEN ({test}) AND NOT s.`{flag[out]}` THEN s.`{out}` ELSE t.`{out}` END"
        for out, test in tests.items()
    )
    return f"MERGE INTO {q(t.name)} t USING {source_view} s ON {on} WHEN MATCHED AND ({any_bad}) THEN UPDATE SET {sets}"
