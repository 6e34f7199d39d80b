"""`make bench-dashboards`: time until every chart of each Superset dashboard has rendered in headless
Chromium, signed in as the analyst, warm (after one load that fills the caches), per source scale; and, to
tell the server's share from the browser's (both share this machine's cores), the time Superset takes to
answer every chart's data request of a dashboard, six at a time as a browser sends them.

Runs on the bench stack (state `<state>-bench`, ports +2000), reset for each scale: load the sources, capture
them into bronze, curate, compute the KPIs, apply the dashboards, then LOADS warm loads of each dashboard.
The Airflow DAGs stay paused, so nothing else competes for the machine. Writes bench/results/dashboards.json;
never fails on timing (target: p95 < 2 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from common import CLI, use_bench_stack, write

from pororoca_core import credentials
from pororoca_superset import dashboards
from pororoca_superset.browser import DashboardBrowser
from pororoca_superset.superset import Superset, superset_url

LOADS = 10
TARGET_P95_S = 2.0


def run(*args: str, timeout: float = 7200) -> str:
    r = subprocess.run([CLI, *args], capture_output=True, text=True, env=os.environ.copy(), timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"pororoca {' '.join(args)}: {r.stdout[-2000:]}{r.stderr[-2000:]}")
    return r.stdout


def p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20, method="inclusive")[18], 3)


def api_seconds(ss: Superset, slug: str) -> float:
    """Wall time until Superset answered the data request of every chart on the dashboard."""
    ids = [c["id"] for c in ss.call("GET", f"/api/v1/dashboard/{slug}/charts").json()["result"]]
    start = time.monotonic()
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(ss.chart_data, ids))
    return time.monotonic() - start


def scale_run(paths, scale: str) -> dict:
    run("reset", "--yes")
    run("up")
    run("sources", "load", "--scale", scale)
    run("cdc", "apply")
    run("cdc", "wait", "--timeout", "7200")
    run("curate")
    run("kpis")
    run("dashboards", "apply")
    counts = dashboards.chart_counts(dashboards.read_dir())
    password = credentials.load(paths.credentials)["superset_analyst_password"]
    result: dict = {"scale": scale, "dashboards": {}}
    every: list[float] = []
    ss = Superset.connect(paths, "analyst")
    api_every: list[float] = []
    for slug in counts:
        api_seconds(ss, slug)  # fills the cache
        api = [api_seconds(ss, slug) for _ in range(LOADS)]
        api_every += api
        result["dashboards"][slug] = {"api_p50_s": round(statistics.median(api), 3), "api_p95_s": p95(api)}
    result["api_p95_s"] = p95(api_every)
    with DashboardBrowser(superset_url(), "analyst", password) as browser:
        for slug, expected in counts.items():
            cold = browser.render(slug, expected, timeout=120)
            warm = [browser.render(slug, expected, timeout=120) for _ in range(LOADS)]
            problems = sorted({p for r in [cold, *warm] for p in r.problems})
            times = [r.seconds for r in warm]
            every += times
            result["dashboards"][slug] |= {
                "charts": expected,
                "first_load_s": round(cold.seconds, 3),
                "warm_p50_s": round(statistics.median(times), 3),
                "warm_p95_s": p95(times),
                "warm_max_s": round(max(times), 3),
                "problems": problems,
            }
            print(f"{scale}: {slug}: {result['dashboards'][slug]}")
    result["warm_p95_s"] = p95(every)
    result["target_p95_s"] = TARGET_P95_S
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="1", help="comma-separated source scales (e.g. 1,10)")
    args = parser.parse_args()
    paths = use_bench_stack()
    result: dict = {"loads_per_dashboard": LOADS, "scales": []}
    for scale in args.scales.split(","):
        result["scales"].append(scale_run(paths, scale))
        write("dashboards", result)
    run("down")


if __name__ == "__main__":
    main()
