"""Where curation stopped in a bronze change log: the last Kafka offset merged, per partition.

Bronze rows carry the Kafka partition and offset they came from, and the sink commits each partition's
records in offset order, so "offset > watermark" is exactly the part of the log not yet merged. It survives
what a snapshot id would not: bronze compaction, snapshot expiry, and catalogs that keep no snapshot history.
The watermark is stored in the summary of the silver commit that merged it (one atomic commit).
"""

from __future__ import annotations

import json

SUMMARY_KEY = "pororoca.watermark"

Watermark = dict[int, int]  # kafka partition -> last merged offset


def encode(wm: Watermark) -> str:
    return json.dumps({str(p): o for p, o in sorted(wm.items())}, separators=(",", ":"))


def decode(text: str | None) -> Watermark:
    if not text:
        return {}
    return {int(p): int(o) for p, o in json.loads(text).items()}


def advance(old: Watermark, seen: Watermark) -> Watermark:
    merged = dict(old)
    for p, o in seen.items():
        merged[p] = max(o, merged.get(p, -1))
    return merged


def after_sql(wm: Watermark) -> str:
    """A predicate selecting the bronze rows after the watermark (every row when it is empty)."""
    if not wm:
        return "TRUE"
    known = " OR ".join(f"(_kafka_partition = {p} AND _kafka_offset > {o})" for p, o in sorted(wm.items()))
    listed = ", ".join(str(p) for p in sorted(wm))
    return f"({known} OR _kafka_partition NOT IN ({listed}))"
