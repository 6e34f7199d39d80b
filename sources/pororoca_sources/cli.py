"""Handlers of `pororoca sources ...`: migrate, load and simulate the fintech source systems. Arguments are
declared in `pororoca.commands`."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from pororoca_core import progress
from pororoca_core.paths import Paths
from pororoca_sources import load, migrate, simulate
from pororoca_sources.connections import Sources
from pororoca_sources.generate import generate


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
    def say(message: str, beat: Path | None = args.heartbeat_file) -> None:
        print(message, flush=True)
        if beat is not None:
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
