"""`make bench-stack`: how long the stack takes to install and start, and how much memory it holds.
Writes bench/results/stack.json. Never fails on timing: the numbers are for the closing notes."""

from __future__ import annotations

import os
import platform
import shutil

from common import timed, use_bench_stack, write

from pororoca_stack import stack


def main() -> None:
    paths = use_bench_stack()
    timed("down", check=False)
    shutil.rmtree(paths.state, ignore_errors=True)
    result: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}
    result["install_noop_s"] = timed("install")
    result["up_cold_s"] = timed("up")
    result["smoke_s"] = timed("smoke")
    rows = stack.status(paths)
    result["rss_mb"] = {r.service: round(r.rss_mb) for r in rows}
    result["rss_total_mb"] = round(sum(r.rss_mb for r in rows))
    result["down_s"] = timed("down")
    result["up_warm_s"] = timed("up")
    result["down_again_s"] = timed("down")
    write("stack", result)


if __name__ == "__main__":
    main()
