"""Keyed-hash tokens for direct identifiers: HMAC-SHA256 (RFC 2104) written as Spark SQL, so tokenising runs
inside the engine, and the same function in Python, so anyone holding the key can compute a subject's token
(the DPO's requests, the tests). Only the key is secret; it never enters the lake."""

from __future__ import annotations

import hashlib
import hmac
import re

TOKEN_HEX = 32  # 128 bits: no collision in any realistic population, short enough to read

_SQL_NORMALISERS = {
    "cpf": "regexp_replace({c}, '[^0-9]', '')",
    "cnpj": "upper(regexp_replace({c}, '[^0-9A-Za-z]', ''))",
    "email": "lower(trim({c}))",
    "phone": "regexp_replace({c}, '[^0-9+]', '')",
    "text": "lower(trim({c}))",
}


def normalise(value: str, kind: str) -> str:
    if kind == "cpf":
        return re.sub(r"[^0-9]", "", value)
    if kind == "cnpj":
        return re.sub(r"[^0-9A-Za-z]", "", value).upper()
    if kind == "phone":
        return re.sub(r"[^0-9+]", "", value)
    if kind in ("email", "text"):
        return value.strip().lower()
    raise ValueError(f"unknown normaliser {kind!r}")


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
    norm = _SQL_NORMALISERS[kind].format(c=column_sql)
    inner = f"unhex(sha2(concat(unhex('{ipad}'), encode({norm}, 'UTF-8')), 256))"
    return f"substr(sha2(concat(unhex('{opad}'), {inner}), 256), 1, {TOKEN_HEX})"
