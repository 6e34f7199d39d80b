"""Keyed-hash tokens for direct identifiers: HMAC-SHA256 (RFC 2104) written as Spark SQL, so tokenising runs
inside the engine, and the same function in Python, so anyone holding the key can compute a subject's token
(the DPO's requests, the tests). Only the key is secret; it never enters the lake."""

from __future__ import annotations

import hashlib
import hmac
import re

from pororoca_core.errors import ConfigError

TOKEN_HEX = 32  # 128 bits: no collision in any realistic population, short enough to read

# One normalisation per identifier kind, as steps that Python and Spark SQL apply identically: every regex
# names its characters explicitly (Python's `\s` is Unicode-aware, Java's is ASCII) and is the same string in
# both engines. Surrounding whitespace includes tabs, line breaks, no-break and zero-width spaces, and the BOM.
WHITESPACE = r"\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200B\u2028\u2029\u202F\u205F\u3000\uFEFF"
_STRIP = rf"^[{WHITESPACE}]+|[{WHITESPACE}]+$"

Step = tuple[str, str]  # (operation, regex): "drop" removes every match of the regex; "lower"/"upper" fold case

NORMALISATIONS: dict[str, tuple[Step, ...]] = {
    "cpf": (("drop", "[^0-9]"),),
    "cnpj": (("drop", "[^0-9A-Za-z]"), ("upper", "")),  # alphanumeric CNPJ (2026) keeps its letters
    "phone": (("drop", "[^0-9+]"),),
    "email": (("drop", _STRIP), ("lower", "")),
    "text": (("drop", _STRIP), ("lower", "")),
}


def _steps(kind: str) -> tuple[Step, ...]:
    if kind not in NORMALISATIONS:
        raise ConfigError(f"unknown normaliser {kind!r}")
    return NORMALISATIONS[kind]


def normalise(value: str, kind: str) -> str:
    for op, regex in _steps(kind):
        value = re.sub(regex, "", value) if op == "drop" else value.lower() if op == "lower" else value.upper()
    return value


def _sql_literal(text: str) -> str:
    # Spark's parser reads backslash escapes in string literals: double them so the regex engine gets ours.
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def normalise_sql(column_sql: str, kind: str) -> str:
    """The same normalisation as `normalise`, as a Spark SQL expression."""
    expr = column_sql
    for op, regex in _steps(kind):
        expr = f"regexp_replace({expr}, {_sql_literal(regex)}, '')" if op == "drop" else f"{op}({expr})"
    return expr


def token(value: str | None, kind: str, key: str) -> str | None:
    if value is None:
        return None
    digest = hmac.new(key.encode(), normalise(value, kind).encode(), hashlib.sha256).hexdigest()
    return digest[:TOKEN_HEX]


def _pads(key: str) -> tuple[str, str]:
    k = key.encode()
    if len(k) > 64:  # RFC 2104: longer keys are hashed first
        k = hashlib.sha256(k).digest()
    k = k.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in k).hex(), bytes(b ^ 0x5C for b in k).hex()


def token_sql(column_sql: str, kind: str, key: str) -> str:
    """A Spark SQL expression giving `token(column, kind, key)`; NULL stays NULL."""
    ipad, opad = _pads(key)
    norm = normalise_sql(column_sql, kind)
    inner = f"unhex(sha2(concat(unhex('{ipad}'), encode({norm}, 'UTF-8')), 256))"
    return f"substr(sha2(concat(unhex('{opad}'), {inner}), 256), 1, {TOKEN_HEX})"
