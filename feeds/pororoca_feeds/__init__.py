"""Partner files into the lake: feed contracts as code (`feeds/<name>.toml`), reading and checking a dropped file,
and example files with realistic errors.

Public API for other packages (governance merges the feeds' LGPD tags into the classification)."""

from __future__ import annotations

from pororoca_feeds.check import Checked, check
from pororoca_feeds.contract import LINEAGE, REJECT_COLUMNS, Feed, load_feed, load_feeds
from pororoca_feeds.landing import NO_LANDING, Dropped, Landing
from pororoca_feeds.read import Unreadable, read_file


def governance_columns() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """(LGPD tags per `<namespace>.<table>.<column>`, reviewed columns per `<namespace>.<table>`) of every feed."""
    tagged: dict[str, tuple[str, ...]] = {}
    reviewed: dict[str, tuple[str, ...]] = {}
    for feed in load_feeds().values():
        tagged |= feed.classified_columns()
        reviewed |= feed.reviewed_columns()
    return tagged, reviewed


__all__ = [
    "LINEAGE", "NO_LANDING", "REJECT_COLUMNS", "Checked", "Dropped", "Feed", "Landing", "Unreadable", "check",
    "governance_columns", "load_feed", "load_feeds", "read_file",
]  # fmt: skip
