"""`make bench-dashboards`: how fast Superset's dashboards answer an analyst, per source scale, three ways:

- **in the app, as analysts work** (the target): sign in and open the dashboard list once, then ROUNDS times
  open every dashboard from the list, change its period filter, show its other tabs and go back, without a page
  reload (after two warm-up rounds, one per period: the caches hold what the rounds ask); the
  browser's time (click -> every chart settled) and the server's (each chart data request: sent -> first byte)
  are reported apart, since both share this machine's cores;
- full page loads of each dashboard (every tab shown), warm (after one load that fills the caches), as a bookmark
  opens it;
- the server alone: every chart's data request of a dashboard, six at a time as a browser sends them.

Runs on the bench stack (state `<state>-bench`, ports +2000), reset for each scale: load the sources, capture
them into bronze, curate, compute the KPIs, then what `make demo` adds (partner files, fraud models, a live
burst, monitoring), apply the dashboards, then measure. The Airflow DAGs stay paused,
so nothing else competes for the machine. `--running` measures the stack that is up instead (`make demo`'s),
as it is, with its DAGs paused meanwhile. Writes bench/results/dashboards.json; never fails on timing
(targets: in-app browser p95 <= 2 s, server p95 <= 1 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import pause_batch, run, use_bench_stack, write

from pororoca_core import credentials
from pororoca_core.errors import OperationFailed
from pororoca_core.paths import Paths
from pororoca_superset import dashboards
from pororoca_superset.browser import DashboardBrowser
from pororoca_superset.navigation import PERIODS, AnalystSession, Step
from pororoca_superset.superset import Superset, superset_url

LOADS = 10
ROUNDS = 5
WARMUP = 2
ACTIONS = ("open", "filter", "tab")
TARGET_P95_S = 2.0
TARGET_SERVER_P95_S = 1.0


def p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20, method="inclusive")[18], 3)


def api_seconds(ss: Superset, slug: str, failed: set[str]) -> float:
    """Wall time until Superset answered the data request of every chart on the dashboard; a chart whose query
    fails (e.g. a table a fresh stack has not written yet) is answered too, with its error, added to `failed`."""
    ids = [c["id"] for c in ss.call("GET", f"/api/v1/dashboard/{slug}/charts").json()["result"]]

    def one(chart_id: int) -> None:
        try:
            ss.chart_data(chart_id)
        except OperationFailed as e:
            failed.add(f"chart {chart_id}: {str(e)[:200]}")

    start = time.monotonic()
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(one, ids))
    return time.monotonic() - start


ROOT = Path(__file__).resolve().parent.parent


def as_after_demo() -> None:
    """The rest of what `make demo` leaves for the dashboards to show (`make demo-data`: partner files, fraud
    models, a scored live burst, the model monitored). Without it the platform-health charts fail (no feed table
    yet: a failed query is never cached) and the fraud dashboards are empty, and either flatters their times."""
    r = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "demo-data"], env=os.environ.copy(),
                       capture_output=True, text=True)  # fmt: skip
    if r.returncode != 0:
        raise RuntimeError(f"make demo-data: {r.stdout[-2000:]}{r.stderr[-2000:]}")


def prepare(scale: str) -> None:
    run("reset", "--yes")
    run("up")
    run("sources", "load", "--scale", scale)
    run("cdc", "apply")
    run("cdc", "wait", "--timeout", "7200")
    run("curate")
    run("kpis")
    as_after_demo()
    run("dashboards", "apply")


def in_app(password: str, tabs: dict[str, tuple[int, ...]], rounds: int = ROUNDS) -> dict:
    """`rounds` rounds over every dashboard in one signed-in page, after WARMUP that fill the caches (one per
    period, so that a measured filter change is never the first of its kind)."""
    steps: list[Step] = []
    with AnalystSession(superset_url(), "analyst", password) as s:
        s.open_list()
        for n in range(WARMUP + rounds):
            for slug, charts in tabs.items():
                visited = s.visit(slug, charts, PERIODS[n % len(PERIODS)])
                if n >= WARMUP:
                    steps += visited
            print(f"in app: round {n} done{' (warm-up)' if n < WARMUP else ''}")
    out: dict = {"rounds": rounds, "dashboards": {}}
    for slug in tabs:
        mine = [st for st in steps if st.slug == slug]
        out["dashboards"][slug] = {"problems": sorted({p for st in mine for p in st.problems})}
        for action in ACTIONS:
            seconds = [st.seconds for st in mine if st.action == action]
            if seconds:
                out["dashboards"][slug] |= {
                    f"{action}_p50_s": round(statistics.median(seconds), 3), f"{action}_p95_s": p95(seconds)
                }  # fmt: skip
        server = [x for st in mine for x in st.server_seconds]
        out["dashboards"][slug]["server_request_p95_s"] = p95(server) if len(server) > 1 else None
    every = [st.seconds for st in steps]
    server = [x for st in steps for x in st.server_seconds]
    out |= {
        "steps": len(every),
        "browser_p50_s": round(statistics.median(every), 3),
        "browser_p95_s": p95(every),
        "browser_max_s": round(max(every), 3),
        "server_request_p50_s": round(statistics.median(server), 3),
        "server_request_p95_s": p95(server),
        "chart_data_requests": len(server),
        "page_reloads": sum(st.reloaded for st in steps),
        "target_browser_p95_s": TARGET_P95_S,
        "target_server_p95_s": TARGET_SERVER_P95_S,
    }
    print(f"in app: browser p95 {out['browser_p95_s']} s, server request p95 {out['server_request_p95_s']} s")
    return out


def server_alone(paths: Paths, slugs: list[str], loads: int) -> dict:
    """Each dashboard's chart data requests through the API, `loads` times after one that fills the cache."""
    ss = Superset.connect(paths, "analyst")
    out: dict = {"dashboards": {}}
    every: list[float] = []
    for slug in slugs:
        failed: set[str] = set()
        api_seconds(ss, slug, failed)
        api = [api_seconds(ss, slug, failed) for _ in range(loads)]
        every += api
        out["dashboards"][slug] = {"api_p50_s": round(statistics.median(api), 3), "api_p95_s": p95(api)}
        if failed:
            out["dashboards"][slug]["failed_charts"] = sorted(failed)
    out["api_p95_s"] = p95(every)
    return out


def scale_run(paths, scale: str, running: bool) -> dict:
    if not running:
        prepare(scale)
    tabs = dashboards.charts_per_tab(dashboards.read_dir())
    password = credentials.load(paths.credentials)["superset_analyst_password"]
    result: dict = {"scale": scale, "in_app": in_app(password, tabs)} | server_alone(paths, list(tabs), LOADS)
    every: list[float] = []
    with DashboardBrowser(superset_url(), "analyst", password) as browser:
        for slug, charts in tabs.items():
            cold = browser.render(slug, charts, timeout=120)
            warm = [browser.render(slug, charts, timeout=120) for _ in range(LOADS)]
            problems = sorted({p for r in [cold, *warm] for p in r.problems})
            times = [r.seconds for r in warm]
            every += times
            result["dashboards"][slug] |= {
                "charts": sum(charts),
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
    parser.add_argument("--running", action="store_true", help="measure the stack that is up, as it is (no reset)")
    args = parser.parse_args()
    paths = Paths.from_env() if args.running else use_bench_stack()
    result: dict = {"loads_per_dashboard": LOADS, "scales": []}
    if not args.running:
        for scale in args.scales.split(","):
            result["scales"].append(scale_run(paths, scale, running=False))
            write("dashboards", result)
        run("down")
        return
    resume = pause_batch(paths, True)  # as on the bench stack: no Spark job beside the dashboards
    try:
        result["scales"].append(scale_run(paths, "as running", running=True))
        write("dashboards", result)
    finally:
        pause_batch(paths, False, only=resume)


if __name__ == "__main__":
    main()
