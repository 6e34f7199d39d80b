"""`make bench-sources`: how fast the initial load is at scale 1 and how many row changes per second the
live workload pushes. Runs on its own stack (state `<state>-bench`, ports +2000); writes
bench/results/sources.json. Never fails on timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from pororoca import services
from pororoca.paths import Paths
from pororoca_sources.connections import Sources
from pororoca_sources.simulate import simulate

CLI = str(Path(sys.executable).parent / "pororoca")
RESULTS = Path(__file__).parent / "results" / "sources.json"


def run(*args: str) -> float:
    t = time.monotonic()
    subprocess.run([CLI, *args], check=True, env=os.environ.copy(), stdout=subprocess.DEVNULL)
    return round(time.monotonic() - t, 1)


def main() -> None:
    base = Paths.from_env().state
    os.environ.update(services.isolated_env(services.load(), base.with_name(base.name + "-bench"), 2000))
    paths = Paths.from_env()
    run("up")
    try:
        result: dict = {"load_scale_1_s": run("sources", "load", "--scale", "1", "--seed", "42", "--reset")}
        src = Sources.of(paths)
        runs = []
        for rate in (5_000, 20_000):
            summary = simulate(src, rate, 20, say=lambda _msg: None)
            pg = sum(
                n for k, n in summary.by_table.items() if not k.endswith("pos_transactions") and "terminals" not in k
            )
            runs.append(asdict(summary) | {"postgres_changes_per_s": round(pg / summary.duration_s)})
        result["simulate"] = runs
    finally:
        run("down")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
