"""What every benchmark shares: a separate stack (state `<state>-bench`, ports +2000) driven through the
CLI, and JSON results in bench/results/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pororoca_core import services
from pororoca_core.paths import Paths
from pororoca_stack.airflow import Airflow

CLI = str(Path(sys.executable).parent / "pororoca")
RESULTS = Path(__file__).parent / "results"


def use_bench_stack(suffix: str = "-bench") -> Paths:
    """A stack of its own (state `<state><suffix>`, ports +2000) for the rest of this process and its commands."""
    base = Paths.from_env().state
    os.environ.update(services.isolated_env(services.load(), base.with_name(base.name + suffix), 2000))
    return Paths.from_env()


def fresh_state(paths: Paths) -> None:
    """The stack stopped and its state gone: the next `up` starts an empty lake."""
    subprocess.run([CLI, "down"], capture_output=True, check=False)
    shutil.rmtree(paths.state, ignore_errors=True)


def run(*args: str, timeout: float = 7200) -> str:
    """One `pororoca` command's output; its output tails in the error if it fails."""
    r = subprocess.run([CLI, *args], capture_output=True, text=True, env=os.environ.copy(), timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"pororoca {' '.join(args)}: {r.stdout[-2000:]}{r.stderr[-2000:]}")
    return r.stdout


def timed(*args: str, check: bool = True) -> float:
    """Seconds one `pororoca` command takes."""
    t = time.monotonic()
    subprocess.run([CLI, *args], check=check, env=os.environ.copy(), stdout=subprocess.DEVNULL)
    return round(time.monotonic() - t, 1)


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile, rounded to 0.1 (None without values)."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)


def write(name: str, result: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def pause_batch(paths: Paths, paused: bool, timeout: float = 1800, only: list[str] | None = None) -> list[str]:
    """Pause (or resume) the stack's DAGs (all batch work); when pausing, wait until none of their runs is still
    going. Returns the DAGs whose state this changed (only those are to be resumed)."""
    airflow = Airflow.connect(paths)
    dags = only or airflow.dag_ids()
    changed = []
    for dag in dags:
        if airflow.dag(dag).get("is_paused") != paused:
            airflow.set_paused(dag, paused)
            changed.append(dag)
    deadline = time.time() + timeout
    while paused and time.time() < deadline:
        running = [d for d in dags if any(r.get("state") in ("running", "queued") for r in airflow.runs(d, 5))]
        if not running:
            break
        print(f"bench: waiting for {running} to finish ...", flush=True)
        time.sleep(15)
    return changed
