"""Partner files into the lake: feed contracts as code (`feeds/<name>.toml`), reading and checking a dropped file,
and example files with realistic errors.

Public API for other packages (governance merges the feeds' LGPD tags into the classification)."""

from __future__ import annotations

from pororoca_feeds.contract import Feed, load_feed, load_feeds

__all__ = ["Feed", "load_feed", "load_feeds"]
