"""`make bench-stack`: how long the stack takes to install and start, and how much memory it holds.

Runs a separate stack (own state directory, ports +2000), so a running developer stack is untouched.
Writes bench/results/stack.json. Never fails on timing: the numbers are for the closing notes.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pororoca import services, stack
from pororoca.paths import Paths

CLI = str(Path(sys.executable).parent / "pororoca")
RESULTS = Path(__file__).parent / "results" / "stack.json"


def timed(*args: str) -> float:
    t = time.monotonic()
    subprocess.run([CLI, *args], check=True, env=os.environ.copy(), stdout=subprocess.DEVNULL)
    return round(time.monotonic() - t, 1)


def main() -> None:
    base = Paths.from_env().state
    os.environ.update(services.isolated_env(services.load(), base.with_name(base.name + "-bench"), 2000))
    paths = Paths.from_env()
    subprocess.run([CLI, "down"], env=os.environ.copy(), stdout=subprocess.DEVNULL)
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
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
