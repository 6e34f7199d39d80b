"""Render `${name}` placeholders in config templates. Component-native syntaxes (Trino's `${ENV:X}`,
Quarkus' `${X}` for upper-case environment variables, Kafka's `${env:X}`) are left untouched."""

from __future__ import annotations

import re
import string

from pororoca_core.errors import ConfigError


class _Template(string.Template):
    delimiter = "$"
    idpattern = r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*"
    flags = re.NOFLAG


_LEFTOVER = re.compile(r"\$\{([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)\}")


class RenderError(ConfigError):
    """A template names a value nobody provides."""


def render(text: str, context: dict[str, str], source: str = "<template>") -> str:
    missing = sorted({m.group(1) for m in _LEFTOVER.finditer(text)} - context.keys())
    if missing:
        raise RenderError(f"{source}: unknown placeholder(s) {', '.join(missing)}")
    return _Template(text).safe_substitute(context)


def render_value(value: object, context: dict[str, str], source: str) -> object:
    """Render strings inside nested lists/dicts (service definitions)."""
    if isinstance(value, str):
        return render(value, context, source)
    if isinstance(value, list):
        return [render_value(v, context, source) for v in value]
    if isinstance(value, dict):
        return {k: render_value(v, context, source) for k, v in value.items()}
    return value
