"""Handlers of `pororoca jobs curate | kpis | maintain`: the Spark jobs, as Airflow runs them and as you can.
Arguments are declared in `pororoca.commands`."""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pororoca_core.errors import UsageError
from pororoca_core.paths import Paths

SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def _today() -> date:
    return datetime.now(SAO_PAULO).date()


def _run_id(args: argparse.Namespace) -> str:
    """The control-table key: Airflow passes its run id; a manual run gets a readable unique one."""
    return args.run_id or f"manual__{datetime.now(SAO_PAULO).strftime('%Y%m%dT%H%M%S')}_{uuid.uuid4().hex[:6]}"


def _pick(all_names: list[str], wanted: str | None) -> set[str]:
    if not wanted:
        return set(all_names)
    chosen = set(wanted.split(","))
    unknown = chosen - set(all_names)
    if unknown:
        raise UsageError(f"unknown table(s) {', '.join(sorted(unknown))}; known: {', '.join(all_names)}")
    return chosen


def _one_at_a_time(lock: str, run: Callable[[argparse.Namespace, Paths], int], args: argparse.Namespace,
                   paths: Paths) -> int:  # fmt: skip
    from pororoca_core import locks

    try:
        with locks.exclusive(paths, lock, args.wait):
            return run(args, paths)
    except locks.LockBusy as e:
        print(e)
        return 75  # EX_TEMPFAIL: nothing was done, try again later


def cmd_curate(args: argparse.Namespace, paths: Paths) -> int:
    if args.follow is not None:
        return _follow(args, paths)  # takes the lock round by round: a batch curation can run between two
    return _one_at_a_time("curate", _curate, args, paths)


def _follow(args: argparse.Namespace, paths: Paths) -> int:
    from pororoca_core import locks
    from pororoca_spark import control, entities, follow, session

    if args.full or args.repair_unavailable:
        raise UsageError("--follow merges what is new; run --full or --repair-unavailable as a batch curation")
    declared = entities.load()
    chosen = _pick([t.name for t in declared], args.tables)
    tables = [t for t in declared if t.name in chosen]
    key = session.pseudonymisation_key(paths)
    spark = session.session(paths, "curate-follow", conf=follow.SESSION_CONF)
    stop = follow.stop_on_sigterm()
    follower = follow.Follower(spark, tables, key, lambda: locks.exclusive(paths, "curate", args.wait))
    print(f"curate: following bronze for {args.follow:g} min, a round every {args.every:g}s at most, "
          f"{follow.WORKERS} tables at a time")  # fmt: skip
    try:
        follower.run(time.monotonic() + args.follow * 60, args.every, stop)
        follower.compact(args.compact_above)
    finally:
        control.record(spark, follower.control_rows(spark, _run_id(args)))
    totals = follower.totals.values()
    print(f"curate: {sum(t.rows_read for t in totals):,} changes read, {sum(t.rows_written for t in totals):,} "
          f"merged in {follower.rounds} round(s)")  # fmt: skip
    return 0


def _curate(args: argparse.Namespace, paths: Paths) -> int:
    """Two curations at once would race on the same silver commits (the later one failed): one at a time."""
    from pororoca_spark import control, curate, entities, session

    tables = entities.load()
    chosen = _pick([t.name for t in tables], args.tables)
    tables = [t for t in tables if t.name in chosen]
    key = session.pseudonymisation_key(paths)
    spark = session.session(paths, "curate")
    if args.repair_unavailable:
        repairs = [curate.repair_unavailable(spark, t, key) for t in tables]
        for r in repairs:
            if r.affected:
                print(f"  {r.table:<28} {r.affected:>7,} rows held the placeholder: {r.repaired:,} repaired, "
                      f"{r.left:,} with no real value in bronze (update them at the source)")  # fmt: skip
        print(f"curate: repaired {sum(r.repaired for r in repairs):,} rows in {len(tables)} tables")
        return 1 if any(r.left for r in repairs) else 0
    runs = curate.curate(spark, tables, key, full=args.full)
    run_id = _run_id(args)
    control.record(
        spark,
        [
            control.ControlRow(
                run_id,
                "curate",
                r.table,
                r.started_at,
                r.finished_at,
                r.rows_read,
                r.rows_written,
                control.newest_source_ts(spark, r.table),
            )
            for r in runs  # curation creates every silver table, empty or not
        ],
    )
    print(f"curate: {sum(r.rows_read for r in runs):,} changes read, {sum(r.rows_written for r in runs):,} merged")
    return 0


def cmd_kpis(args: argparse.Namespace, paths: Paths) -> int:
    from pororoca_spark import control, kpis, session

    d = date.fromisoformat(args.date) if args.date else _today()
    spark = session.session(paths, "kpis")
    runs = kpis.run(spark, kpis.load(), d)
    run_id = _run_id(args)
    newest = spark.sql("SELECT max(_source_ts) AS ts FROM lakehouse.silver.pix_transfers").collect()[0]["ts"]
    control.record(
        spark,
        [control.ControlRow(run_id, "kpis", r.table, r.started_at, r.finished_at, None, r.rows_written, newest)
         for r in runs],
    )  # fmt: skip
    print(f"kpis: {len(runs)} gold tables for {d.isoformat()}")
    return 0


def cmd_maintain(args: argparse.Namespace, paths: Paths) -> int:
    from pororoca_spark import maintain, session

    spark = session.session(paths, "maintain")
    retention = maintain.Retention.load()
    if args.retain_hours is not None:
        retention = maintain.Retention(args.retain_hours)
    plan = maintain.Plan(retention, orphan_retention_hours=args.orphan_hours, dry_run=args.dry_run)
    maintain.run(spark, plan, namespaces=args.namespaces.split(","))
    return 0


def cmd_rollback(args: argparse.Namespace, paths: Paths) -> int:
    from pororoca_spark import rollback, session

    table, target = rollback.check_table(args.table), rollback.parse_target(args.to)
    spark = session.session(paths, "rollback")
    return rollback.run(spark, table, target, args.yes, _run_id(args))


def cmd_ingest_feeds(args: argparse.Namespace, paths: Paths) -> int:
    """Every file waiting in the landing zone into bronze; one run at a time."""
    return _one_at_a_time("feeds", _ingest_feeds, args, paths)


def _ingest_feeds(args: argparse.Namespace, paths: Paths) -> int:
    from pororoca_core.alerts import raise_alert
    from pororoca_feeds import NO_LANDING, Landing, load_feeds
    from pororoca_spark import feeds, session

    declared = load_feeds()
    chosen = [declared[n] for n in sorted(_pick(list(declared), args.feed))]
    landing = Landing.if_ready(paths)
    if landing is None:
        print(f"feeds ingest: {NO_LANDING}")
        return 0
    waiting = {f.name: landing.pending(f) for f in chosen}
    if not any(waiting.values()) and not args.create_tables:
        print("feeds ingest: no file waiting in the landing zone")
        return 0
    key = session.pseudonymisation_key(paths)
    spark = session.session(paths, "feeds")
    feeds.ensure_tables(spark, chosen)
    results = []

    def alert(kind: str, message: str, **details: object) -> None:
        raise_alert(paths, kind, message, **details)

    for feed in chosen:
        if waiting[feed.name]:
            print(f"{feed.name}: {len(waiting[feed.name])} file(s) waiting")
            results += feeds.ingest(spark, landing, feed, waiting[feed.name], key, print, alert)
    counts = {s: sum(1 for r in results if r.status == s) for s in ("ingested", "duplicate", "quarantined")}
    print(f"feeds ingest: {counts['ingested']} ingested ({sum(r.accepted for r in results):,} rows accepted, "
          f"{sum(r.rejected for r in results):,} rejected), {counts['duplicate']} duplicate(s), "
          f"{counts['quarantined']} quarantined")  # fmt: skip
    return 0
