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


def cmd_apply(args: argparse.Namespace, paths: Paths) -> int:
    from pororoca_feeds import landing

    for line in landing.apply(paths, load_feeds()):
        print(f"feeds apply: {line}")
    return 0


SUBJECTS = {
    "credit_bureau_scores": ("core", "SELECT cpf FROM customers ORDER BY customer_id"),
    "campaign_events": ("core", "SELECT email FROM customers ORDER BY customer_id"),
    "acquirer_settlements": ("acquiring", "SELECT cnpj FROM merchants ORDER BY merchant_id"),
    "card_chargebacks": ("core", "SELECT card_tx_id FROM card_transactions ORDER BY card_tx_id DESC LIMIT 5000"),
}


def _subjects(paths: Paths, feed_name: str, n: int, rng: random.Random) -> list:
    """People, merchants or transactions of the sources, so that a feed joins the rest of the lake."""
    from pororoca_sources import Sources

    if feed_name not in SUBJECTS:
        return []
    db, sql = SUBJECTS[feed_name]
    src = Sources.of(paths)
    try:
        if db == "core":
            with src.core() as conn:
                values = [r[0] for r in conn.execute(sql).fetchall()]
        else:
            conn = src.acquiring()
            try:
                with conn.cursor() as cur:
                    cur.execute(sql)
                    values = [r[0] for r in cur.fetchall()]
            finally:
                conn.close()
    except Exception as e:
        print(f"sources not readable ({type(e).__name__}): the file's subjects are generated, not the sources'")
        return []
    return rng.sample(values, min(n, len(values)))


def cmd_drop(args: argparse.Namespace, paths: Paths) -> int:
    """A partner's drop: an example file put into the landing zone with that partner's write-only key."""
    import io

    from pororoca_feeds.landing import BUCKET, partner_client

    feed = load_feed(args.feed)
    rng = random.Random(args.seed)
    day = args.day or date.today()
    rows = examples.rows_for(feed, args.rows, day, rng, _subjects(paths, feed.name, args.rows, rng))
    spoiled = examples.spoil(feed, rows, args.bad_rows, rng)
    data = examples.encode(feed, rows)
    how = ""
    if args.corrupt:
        data, how = examples.corrupt(feed, data, rng)
    suffix = {"csv": "csv", "jsonl": "jsonl", "parquet": "parquet", "avro": "avro", "orc": "orc"}[feed.format]
    name = args.name or f"{feed.name}_{day:%Y%m%d}_{rng.randrange(16**6):06x}.{suffix}"
    client = partner_client(paths, feed.partner)
    client.put_object(BUCKET, f"{feed.prefix}{name}", io.BytesIO(data), len(data))
    print(f"dropped {BUCKET}/{feed.prefix}{name} as partner {feed.partner}: {len(rows):,} rows, {len(data):,} bytes"
          + (f", {len(spoiled)} bad rows" if spoiled else "") + (f", corrupted ({how})" if how else ""))  # fmt: skip
    return 0
