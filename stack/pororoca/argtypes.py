"""Argument types shared by every command: a bad value is a usage error (exit 2) that names what was given."""

from __future__ import annotations

import argparse
from datetime import date


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-22") from None


def iso_date_text(text: str) -> str:
    """A reference date checked now but passed on as written (YYYY-MM-DD)."""
    return iso_date(text).isoformat()


def comma_list(text: str) -> str:
    """A comma-separated list without empty items (kept as text: the handler knows the valid names)."""
    items = [t.strip() for t in text.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(f"{text!r} has an empty item; give names separated by commas")
    return ",".join(items)
