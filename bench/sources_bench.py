"""`make bench-sources`: the initial load at scale 1 and the live workload's row changes per second.
Writes bench/results/sources.json. Never fails on timing."""

from __future__ import annotations

from dataclasses import asdict

from common import timed, use_bench_stack, write

from pororoca_sources.connections import Sources
from pororoca_sources.simulate import simulate


def main() -> None:
    paths = use_bench_stack()
    timed("up")
    try:
        result: dict = {"load_scale_1_s": timed("sources", "load", "--scale", "1", "--seed", "42", "--reset")}
        runs = []
        for rate in (5_000, 20_000):
            summary = simulate(Sources.of(paths), rate, 20, say=lambda _msg: None)
            pg = sum(n for k, n in summary.by_table.items() if not k.endswith(("pos_transactions", "terminals")))
            runs.append(asdict(summary) | {"postgres_changes_per_s": round(pg / summary.duration_s)})
        result["simulate"] = runs
    finally:
        timed("down")
    write("sources", result)


if __name__ == "__main__":
    main()
