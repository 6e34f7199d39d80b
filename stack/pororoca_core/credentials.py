"""Generated credentials, kept in one mode-0600 JSON file in the state directory (never in git)."""

from __future__ import annotations

import base64
import json
import os
import secrets
import string
from pathlib import Path

_ALPHABET = string.ascii_letters + string.digits  # safe unquoted in URLs, properties and env files


def generate(length: int = 32) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _write_private(path: Path, data: dict[str, str]) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
    os.replace(tmp, path)


def load(path: Path) -> dict[str, str]:
    return json.loads(path.read_text()) if path.exists() else {}


def ensure(path: Path, names: list[str]) -> dict[str, str]:
    """Existing secrets are never changed (data depends on them); missing ones are generated."""
    path.parent.mkdir(parents=True, exist_ok=True)
    current = load(path)
    missing = [n for n in names if n not in current]
    for name in missing:
        if name.endswith("_kms_key"):  # an encryption key: 32 random bytes, base64 (MinIO's static KMS key)
            current[name] = base64.b64encode(secrets.token_bytes(32)).decode()
            continue
        # MinIO wants access keys of 3-20 characters; every other secret gets 32.
        current[name] = generate(20 if name.endswith(("_user", "_access_key")) else 32)
    if missing or (path.stat().st_mode & 0o077):
        _write_private(path, current)
    return current
