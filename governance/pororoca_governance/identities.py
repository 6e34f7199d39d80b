"""Trino users: generated passwords (in the stack's credentials file) hashed into Trino's password file."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# Trino's file authenticator checks PBKDF2-HMAC-SHA1 as `iterations:salt:hash` (lowercase hex) and refuses
# fewer than 1000 iterations; a successful login is cached, so the cost is paid once per session.
ITERATIONS = 100_000


def secret_name(user: str) -> str:
    return f"trino_{user}_password"


def hash_password(password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha1", password.encode(), salt, iterations, dklen=32)
    return f"{iterations}:{salt.hex()}:{digest.hex()}"


def verify(password: str, stored: str) -> bool:
    iterations, salt, digest = stored.split(":")
    candidate = hashlib.pbkdf2_hmac("sha1", password.encode(), bytes.fromhex(salt), int(iterations), len(digest) // 2)
    return hmac.compare_digest(candidate.hex(), digest)


def password_file(users: list[str], secrets_by_name: dict[str, str], current: dict[str, str] | None = None) -> str:
    """One `user:hash` line per user. An existing hash that still matches is kept, so rewriting the file
    with unchanged passwords changes nothing (Trino reloads it on change)."""
    current = current or {}
    lines = []
    for user in users:
        password = secrets_by_name[secret_name(user)]
        stored = current.get(user)
        lines.append(f"{user}:{stored if stored and verify(password, stored) else hash_password(password)}\n")
    return "".join(lines)


def parse_password_file(text: str) -> dict[str, str]:
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
