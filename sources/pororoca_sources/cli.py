"""`pororoca sources ...`: migrate, load and simulate the fintech source systems."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path

from pororoca import progress
from pororoca.paths import Paths

from . import load, migrate, simulate
from .connections import Sources
from .generate import generate


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


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sources", help="the fintech source databases: migrate, load, simulate")
    ssub = p.add_subparsers(dest="sources_command", required=True)
    m = ssub.add_parser("migrate", help="apply pending schema migrations to `core` and `acquiring`")
    m.set_defaults(func=cmd_migrate)
    ld = ssub.add_parser("load", help="migrate, then load the generated data set (deterministic for a seed)")
    ld.add_argument("--scale", type=positive_float, default=1.0, help="1 = the volumes of seed 002 (default)")
    ld.add_argument("--seed", type=int, default=42)
    ld.add_argument("--as-of", type=iso_date, default=None, help="the last day of history (default: today, UTC)")
    ld.add_argument("--reset", action="store_true", help="replace data already in the source databases")
    ld.set_defaults(func=cmd_load)
    sim = ssub.add_parser("simulate", help="live inserts, updates and deletes at a target rate")
    sim.add_argument("--rate", type=positive_float, default=200.0, help="row changes per second (default 200)")
    sim.add_argument("--duration", type=positive_float, default=60.0, help="seconds (default 60)")
    sim.add_argument("--seed", type=int, default=7)
    sim.add_argument("--json", action="store_true", help="print the summary as JSON")
    sim.add_argument(
        "--heartbeat-file", type=Path, help="touch this file at every progress report (a liveness signal for probes)"
    )
    sim.set_defaults(func=cmd_simulate)


def cmd_migrate(args: argparse.Namespace, paths: Paths) -> int:
    applied = migrate.migrate(Sources.of(paths))
    print("\n".join(f"applied {a}" for a in applied) or "migrate: schemas are up to date")
    return 0


def cmd_load(args: argparse.Namespace, paths: Paths) -> int:
    src = Sources.of(paths)
    migrate.migrate(src)
    t0 = time.monotonic()
    as_of = args.as_of or datetime.now(UTC).date()
    loaded = load.loaded_params(src)
    # Without --as-of, the data set loaded on an earlier day is the one wanted (`make demo` again tomorrow).
    same = [a for seed, scale, a in loaded if (seed, scale) == (args.seed, args.scale)
            and (args.as_of is None or a == str(as_of))]  # fmt: skip
    if not args.reset and same:
        print(f"load: seed {args.seed}, scale {args.scale}, as of {same[0]} is already loaded; nothing to do")
        return 0
    with progress.task("generate") as bar:
        bar.update(note=f"seed {args.seed}, scale {args.scale}, as of {as_of}")
        ds = generate(args.seed, args.scale, as_of)
    total = sum(ds.counts().values())
    took = time.monotonic() - t0
    print(f"generated {total:,} rows (seed {ds.seed}, scale {ds.scale}, as of {ds.as_of}) in {took:.1f}s")
    with progress.task("load", total=total, unit="rows") as bar:
        load.load(src, ds, say=bar.log, reset=args.reset, advance=lambda n: bar.update(advance=n))
    print(f"load: done in {time.monotonic() - t0:.1f}s (fingerprint {ds.fingerprint()[:12]})")
    return 0


def cmd_simulate(args: argparse.Namespace, paths: Paths) -> int:
    say = print
    if args.heartbeat_file:
        beat: Path = args.heartbeat_file

        def say(message: str) -> None:
            print(message, flush=True)
            beat.touch()

        beat.touch()
    summary = simulate.simulate(Sources.of(paths), args.rate, args.duration, args.seed, say=say)
    if args.json:
        print(json.dumps(asdict(summary)))
    else:
        print(
            f"simulate: {summary.changes:,} row changes in {summary.duration_s}s = {summary.rate_achieved:,.0f}/s "
            f"(target {summary.rate_target:,.0f}/s)"
        )
        for key, n in summary.by_table.items():
            print(f"  {key:<36} {n:>10,}")
    return 0
