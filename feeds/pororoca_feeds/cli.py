"""`pororoca feeds list|check|example`: the contracts, a file checked against its contract, example files."""

from __future__ import annotations

import argparse
import json
import random
from datetime import date

from pororoca_core.errors import OperationFailed, UsageError
from pororoca_core.paths import Paths
from pororoca_feeds import examples
from pororoca_feeds.check import check
from pororoca_feeds.contract import load_feed, load_feeds
from pororoca_feeds.read import Unreadable, read_file


def cmd_list(args: argparse.Namespace, paths: Paths) -> int:
    for feed in load_feeds().values():
        pii = [f"{c.name} ({', '.join(t for t in c.tags if t != 'PersonalData')})" for c in feed.columns if c.tags]
        print(f"{feed.name}: {feed.description}")
        print(f"  {feed.format}, partner {feed.partner}, owner {feed.owner}, into {feed.table}")
        print(f"  arrives {feed.arrival.schedule} ({feed.arrival.timezone}), deadline {feed.arrival.deadline}")
        print(f"  keys {', '.join(feed.keys) or 'none'}; personal data: {', '.join(pii) or 'none'}")
    return 0


def cmd_check(args: argparse.Namespace, paths: Paths) -> int:
    """Exit 0 when every row honours the contract, 1 when some are rejected or the file is unreadable."""
    feed = load_feed(args.feed)
    if not args.file.is_file():
        raise UsageError(f"{args.file}: no such file")
    try:
        checked = check(feed, read_file(feed, args.file.read_bytes()))
    except Unreadable as e:
        if args.json:
            print(json.dumps({"file": str(args.file), "feed": feed.name, "unreadable": str(e)}))
        raise OperationFailed(f"{args.file}: unreadable as {feed.name} ({feed.format}): {e}") from None
    if args.json:
        doc = {"file": str(args.file), "feed": feed.name, "rows_read": checked.rows_read,
               "accepted": len(checked.accepted), "rejected": len(checked.rejects),
               "rejects": [{"row": r.number, "reason": r.reason, "raw": r.raw} for r in checked.rejects]}  # fmt: skip
        print(json.dumps(doc, ensure_ascii=False))
    else:
        print(f"{args.file}: {checked.rows_read:,} rows read, {len(checked.accepted):,} accepted, "
              f"{len(checked.rejects):,} rejected")  # fmt: skip
        for r in checked.rejects[: args.show]:
            print(f"  row {r.number}: {r.reason}")
        if len(checked.rejects) > args.show:
            print(f"  ... {len(checked.rejects) - args.show} more (--show N, or --json for all)")
    return 1 if checked.rejects else 0


def cmd_example(args: argparse.Namespace, paths: Paths) -> int:
    feed = load_feed(args.feed)
    rng = random.Random(args.seed)
    rows = examples.rows_for(feed, args.rows, args.day or date.today(), rng)
    spoiled = examples.spoil(feed, rows, args.bad_rows, rng)
    data = examples.encode(feed, rows)
    how = ""
    if args.corrupt:
        data, how = examples.corrupt(feed, data, rng)
    args.out.write_bytes(data)
    print(f"{args.out}: {feed.name} ({feed.format}), {len(rows)} rows, {len(spoiled)} spoiled"
          + (f" (rows {', '.join(map(str, spoiled[:10]))}{'...' if len(spoiled) > 10 else ''})" if spoiled else "")
          + (f", corrupted: {how}" if how else ""))  # fmt: skip
    return 0
