"""`make bench-scale SCALES=1,10`: the whole lake end to end per source scale, and how each stage's cost grows.

A fresh stack per scale (state `<state>-scale-bench`, the bench ports +2000), the whole stack running as
installed (fraud processor included; the Airflow DAGs stay paused as a fresh `up` leaves them, so the stages
below are the only batch work): start, load the sources, capture them into bronze (Debezium's snapshot),
curate everything, compute the KPIs, one incremental round after a minute of live changes, the dashboards
(with what `make demo` adds first: partner files, fraud models, a scored burst; in the app as analysts use them,
and the server alone), Trino queries on silver, then maintenance. Each stage
is timed; the lake's files and bytes per layer are counted from Iceberg's metadata tables. The growth of
every stage from the first scale to each other is reported beside it. Writes bench/results/scale.json;
never fails on timing.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import time
from collections.abc import Callable

from common import CLI, fresh_state, run, use_bench_stack, write
from curation_bench import merged, query_times
from dashboards_bench import as_after_demo, in_app, server_alone

from pororoca_core import credentials, lakehouse
from pororoca_core.paths import Paths
from pororoca_superset import dashboards

LIVE_RATE = 1_000
LIVE_S = 60
DASHBOARD_ROUNDS = 3
SERVER_LOADS = 5
LAYERS = ("bronze", "silver", "gold")


def stage(result: dict, name: str, work: Callable[[], str]) -> str:
    """Runs one stage, records its seconds and says so (a scale-10 run takes about an hour)."""
    print(f"scale bench: {name} ...", flush=True)
    t = time.monotonic()
    out = work()
    result[f"{name}_s"] = round(time.monotonic() - t, 1)
    print(f"scale bench: {name} took {result[f'{name}_s']} s", flush=True)
    return out


def lake_size(paths: Paths) -> dict:
    """Rows, data files and bytes per layer, from each table's current snapshot (rows as the data files hold
    them: before maintenance, rows that delete files remove are still counted)."""
    cur = lakehouse.trino_connection(lakehouse.Endpoints.of(paths)).cursor()
    out = {}
    for layer in LAYERS:
        cur.execute(f"SHOW TABLES FROM {layer}")
        tables = [t for (t,) in cur.fetchall()]
        rows = files = size = 0
        for table in tables:
            cur.execute(
                f"SELECT coalesce(sum(record_count), 0), count(*), coalesce(sum(file_size_in_bytes), 0) "
                f'FROM {layer}."{table}$files" WHERE content = 0'
            )
            r, f, b = cur.fetchone()
            rows, files, size = rows + r, files + f, size + b
        out[layer] = {"tables": len(tables), "rows": rows, "data_files": files, "mib": round(size / 2**20, 1)}
    return out


def one_scale(scale: str, paths: Paths, result: dict) -> None:
    """Fills `result` stage by stage, so a stage that fails leaves the ones before it on record."""
    fresh_state(paths)
    stage(result, "up", lambda: run("up"))
    loaded = stage(result, "load", lambda: run("sources", "load", "--scale", scale, "--seed", "42", "--reset"))
    m = re.search(r"generated ([\d,]+) rows", loaded)
    result["source_rows"] = int(m.group(1).replace(",", "")) if m else None
    run("cdc", "apply")
    stage(result, "capture", lambda: run("cdc", "wait", "--timeout", "10800"))
    curated = stage(result, "curate_full", lambda: run("curate", "--full"))
    result["curate_full_changes"] = merged(curated)[0]
    stage(result, "kpis", lambda: run("kpis"))
    run("sources", "simulate", "--rate", str(LIVE_RATE), "--duration", str(LIVE_S), timeout=LIVE_S + 600)
    run("cdc", "wait", "--timeout", "1800")
    incremental = stage(result, "curate_incremental", lambda: run("curate"))
    result["curate_incremental_changes"] = merged(incremental)[0]
    as_after_demo()
    run("dashboards", "apply")
    tabs = dashboards.charts_per_tab(dashboards.read_dir())
    password = credentials.load(paths.credentials)["superset_analyst_password"]
    dash = in_app(password, tabs, rounds=DASHBOARD_ROUNDS)
    api = server_alone(paths, list(tabs), SERVER_LOADS)
    result["dashboards"] = {
        "in_app_browser_p50_s": dash["browser_p50_s"],
        "in_app_browser_p95_s": dash["browser_p95_s"],
        "in_app_server_request_p95_s": dash["server_request_p95_s"],
        "server_alone_p95_s": api["api_p95_s"],
        "page_reloads": dash["page_reloads"],
    }
    cur = lakehouse.trino_connection(lakehouse.Endpoints.of(paths)).cursor()
    result["trino_silver_pix_query_s"] = query_times(cur, "pix_transfers", repeats=3)
    result["lake_before_maintenance"] = lake_size(paths)
    stage(result, "maintain", lambda: run("maintain"))
    result["lake"] = lake_size(paths)
    result["capture_rows_per_s"] = round(result["source_rows"] / result["capture_s"]) if result["source_rows"] else None
    result["curate_full_rows_per_s"] = round(result["curate_full_changes"] / result["curate_full_s"])


GROWN = ("up_s", "load_s", "capture_s", "curate_full_s", "kpis_s", "curate_incremental_s", "maintain_s")


def growth(first: dict, other: dict) -> dict:
    """How many times the first scale's cost each stage takes at the other (x10 data -> x10 would be linear)."""
    out = {k: round(other[k] / first[k], 2) for k in GROWN if first.get(k) and other.get(k)}
    if "dashboards" in first and "dashboards" in other:
        out["dashboards_in_app_browser_p95"] = round(
            other["dashboards"]["in_app_browser_p95_s"] / first["dashboards"]["in_app_browser_p95_s"], 2
        )
    if "lake" in first and "lake" in other:
        out["lake_mib"] = round(
            sum(v["mib"] for v in other["lake"].values()) / sum(v["mib"] for v in first["lake"].values()), 2
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="1,10", help="comma-separated source scales, the first is the base")
    args = parser.parse_args()
    paths = use_bench_stack("-scale-bench")
    result: dict = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "scales": [], "growth": {}}
    for scale in args.scales.split(","):
        measured: dict = {"scale": float(scale)}
        result["scales"].append(measured)
        try:
            one_scale(scale, paths, measured)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            measured["failed"] = str(e)[-3000:]
        finally:
            subprocess.run([CLI, "down"], capture_output=True, check=False)
        first = result["scales"][0]
        for other in result["scales"][1:]:
            result["growth"][f"{first['scale']:g}->{other['scale']:g}"] = growth(first, other)
        write("scale", result)


if __name__ == "__main__":
    main()
