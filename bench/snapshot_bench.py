"""`make bench-snapshot SCALES=1,10 MODES=bulk,debezium`: the sources' initial snapshot into bronze, per scale and
per way of taking it, each on a fresh stack.

A fresh stack (state `<state>-snapshot-bench`, the bench ports +2000) with the whole stack running, the sources
loaded at the scale (the load ends vacuumed and analysed, as a source in production is; its seconds are
reported), then `cdc apply --initial-snapshot MODE` and `cdc wait`: the capture is done when bronze holds
every row and no source is still snapshotting. Reported per run: the source rows, the seconds of `cdc apply` and of
`cdc wait`, the rows per second of the whole capture (source rows / both), and in bulk mode the snapshot's own
rate as `cdc apply` printed it. Writes bench/results/snapshot.json; never fails on timing.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import time

from common import CLI, fresh_state, run, use_bench_stack, write

from pororoca_core.paths import Paths


def source_rows(load_output: str) -> int:
    """Rows loaded, from `sources load`'s one line per table (which its progress log may repeat)."""
    per_table = dict(re.findall(r"\s(\w+\.\w+)\s+([\d,]+) rows\s", load_output))
    return sum(int(n.replace(",", "")) for n in per_table.values())


def one(scale: str, mode: str, paths: Paths) -> dict:
    fresh_state(paths)
    measured: dict = {"scale": float(scale), "mode": mode}
    t = time.monotonic()
    run("up")
    measured["up_s"] = round(time.monotonic() - t, 1)
    t = time.monotonic()
    loaded = run("sources", "load", "--scale", scale, "--seed", "42")
    measured["load_s"] = round(time.monotonic() - t, 1)
    settled = re.search(r"vacuumed and analysed\s+([\d.]+)s", loaded)  # part of the load: the source as it runs
    measured["load_vacuum_s"] = float(settled.group(1)) if settled else None
    measured["source_rows"] = source_rows(loaded)
    print(f"snapshot bench: scale {scale}, {mode}: {measured['source_rows']:,} source rows", flush=True)
    t = time.monotonic()
    applied = run("cdc", "apply", "--initial-snapshot", mode, "--timeout", "900")
    measured["apply_s"] = round(time.monotonic() - t, 1)
    t = time.monotonic()
    run("cdc", "wait", "--timeout", "7200", timeout=7500)
    measured["wait_s"] = round(time.monotonic() - t, 1)
    capture = measured["apply_s"] + measured["wait_s"]
    measured["capture_s"] = round(capture, 1)
    measured["capture_rows_per_s"] = round(measured["source_rows"] / capture)
    own = re.search(r"initial snapshot: ([\d,]+) rows in ([\d.]+)s \(([\d,]+) rows/s\)", applied)
    if own:
        measured["bulk_rows"] = int(own.group(1).replace(",", ""))
        measured["bulk_s"] = float(own.group(2))
        measured["bulk_rows_per_s"] = int(own.group(3).replace(",", ""))
    print(f"snapshot bench: {measured}", flush=True)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="1,10", help="comma-separated source scales")
    parser.add_argument("--modes", default="bulk,debezium", help="comma-separated: bulk, debezium")
    args = parser.parse_args()
    paths = use_bench_stack("-snapshot-bench")
    result: dict = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "runs": []}
    for scale in args.scales.split(","):
        for mode in args.modes.split(","):
            try:
                result["runs"].append(one(scale, mode, paths))
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                result["runs"].append({"scale": float(scale), "mode": mode, "failed": str(e)[-3000:]})
            finally:
                subprocess.run([CLI, "down"], capture_output=True, check=False)
            write("snapshot", result)


if __name__ == "__main__":
    main()
