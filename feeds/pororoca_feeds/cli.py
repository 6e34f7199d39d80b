"""`pororoca feeds list|check|example`: the contracts, a file checked against its contract, example files."""

from __future__ import annotations

import argparse
import json
import random
from datetime import date
from pathlib import Path

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
        print(f"  due {feed.arrival.schedule} ({feed.arrival.timezone}), late {feed.arrival.deadline_after} after")
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
    made = examples.make_file(feed, args.rows, args.day or date.today(), rng, args.bad_rows, args.corrupt)
    args.out.write_bytes(made.data)
    spoiled = made.spoiled
    print(f"{args.out}: {feed.name} ({feed.format}), {made.rows} rows, {len(spoiled)} spoiled"
          + (f" (rows {', '.join(map(str, spoiled[:10]))}{'...' if len(spoiled) > 10 else ''})" if spoiled else "")
          + (f", corrupted: {made.damage}" if made.damage else ""))  # fmt: skip
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
    made = examples.make_file(feed, args.rows, day, rng, args.bad_rows, args.corrupt,
                              _subjects(paths, feed.name, args.rows, rng))  # fmt: skip
    data = made.data
    name = args.name or f"{feed.name}_{day:%Y%m%d}_{rng.randrange(16**6):06x}.{feed.format}"
    client = partner_client(paths, feed.partner)
    client.put_object(BUCKET, f"{feed.prefix}{name}", io.BytesIO(data), len(data))
    print(f"dropped {BUCKET}/{feed.prefix}{name} as partner {feed.partner}: {made.rows:,} rows, {len(data):,} bytes"
          + (f", {len(made.spoiled)} bad rows" if made.spoiled else "")
          + (f", corrupted ({made.damage})" if made.damage else ""))  # fmt: skip
    return 0


SQL = Path(__file__).parent / "sql"


def _sql(name: str, **values: str) -> str:
    text = "\n".join(ln for ln in (SQL / f"{name}.sql").read_text().splitlines() if not ln.startswith("--"))
    return text.format(**values)


def cmd_deadlines(args: argparse.Namespace, paths: Paths) -> int:
    """Every due time whose deadline passed in the last --hours without a file: one row in gold.feed_deadlines
    and one alert each (never twice). Exit 0 either way: the alert is the signal."""
    from datetime import UTC, datetime, timedelta

    from pororoca_core import lakehouse
    from pororoca_core.alerts import raise_alert
    from pororoca_feeds.deadlines import missed, slots
    from pororoca_feeds.landing import NO_LANDING, Landing

    now = datetime.now(UTC)
    since = now - timedelta(hours=args.hours)
    landing = Landing.if_ready(paths)
    if landing is None:
        print(f"feeds deadlines: {NO_LANDING}")
        return 0
    with lakehouse.trino_connection(lakehouse.Endpoints.of(paths)) as conn:
        cur = conn.cursor()

        def rows(sql: str) -> list:
            cur.execute(sql)
            return cur.fetchall()

        rows("CREATE SCHEMA IF NOT EXISTS gold")
        rows(_sql("feed_deadlines_table"))
        has_files = bool(rows("SELECT 1 FROM information_schema.tables WHERE table_schema = 'gold' "
                              "AND table_name = 'feed_files'"))  # fmt: skip
        late = 0
        for feed in load_feeds().values():
            due = slots(feed, since, now)
            if not due:
                continue
            start = min(s.previous_due for s in due)
            window = {"feed": feed.name, "since": start.isoformat()}
            arrivals = [r[0] for r in rows(_sql("arrivals", **window))] if has_files else []
            arrivals += [d.dropped_at for d in landing.pending(feed)]  # dropped, not ingested yet
            known = {r[0] for r in rows(_sql("recorded_deadlines", **window))}
            newly = [s for s in due if missed(s, [a.astimezone(UTC) for a in arrivals]) and s.deadline not in known]
            if not newly:
                continue
            late += len(newly)
            values = ", ".join(
                f"('{feed.name}', from_iso8601_timestamp('{s.due.isoformat()}'), "
                f"from_iso8601_timestamp('{s.deadline.isoformat()}'), current_timestamp)"
                for s in newly
            )
            rows(f"INSERT INTO gold.feed_deadlines VALUES {values}")
            last = newly[-1]
            what = f"{len(newly)} deadlines, the last" if len(newly) > 1 else "its deadline"
            # One alert per feed and run: an hourly feed silent for a day is one page, not 24.
            raise_alert(paths, "feed_deadline_missed",
                        f"{feed.name}: no file from {feed.partner} (owner {feed.owner}) for {what} "
                        f"{last.deadline:%Y-%m-%d %H:%M} UTC", feed=feed.name, partner=feed.partner,
                        missed=len(newly), due=[s.due for s in newly])  # fmt: skip
            print(f"feeds deadlines: {feed.name} missed {what} {last.deadline:%Y-%m-%d %H:%M} UTC: alerted")
    print(f"feeds deadlines: {late} newly missed in the last {args.hours:g} h")
    return 0
