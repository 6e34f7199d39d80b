"""`make bench-fraud-train`: how long fraud training takes as the lake grows (#22 asks for scale 1 and 10).

Runs on its own stack (state `<state>-train-bench`, the bench ports +2000), a fresh lake per scale: build it as
`make bench-curation` does (load, capture, full curation, KPIs), then time `pororoca fraud train` twice: the
features (read the pinned history through Trino, compute point-in-time features in Python) and the whole command
(plus fit, holdout evaluation, MLflow registration, drift reference), sampling the peak RSS of the command's
process tree (the CLI computing features, then the training child). Writes bench/results/fraud_train.json;
never fails on timing.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
import time

import psutil
from common import CLI, fresh_state, run, use_bench_stack, write
from curation_bench import scale_run


def tree_rss(proc: psutil.Process) -> int:
    try:
        return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
    except psutil.Error:
        return 0


def train() -> dict:
    t = time.monotonic()
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen([CLI, "fraud", "train"], stdout=log, stderr=subprocess.STDOUT, text=True)
        watched = psutil.Process(proc.pid)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss(watched))
            time.sleep(0.5)  # a sampling period, not synchronisation
        log.seek(0)
        out = log.read()
    seconds = time.monotonic() - t
    if proc.returncode != 0:
        return {"failed": out[-2000:], "seconds": round(seconds, 1)}
    head = re.search(r"fraud train: (\d+) transfers, (\d+) labelled frauds.*features in ([\d.]+)s", out)
    auc = re.search(r"PR-AUC ([\d.]+)", out)
    gate = re.search(r"gate: (\w+)", out)
    return {
        "transfers": int(head.group(1)) if head else None,
        "frauds": int(head.group(2)) if head else None,
        "features_s": float(head.group(3)) if head else None,
        "seconds": round(seconds, 1),
        "pr_auc": float(auc.group(1)) if auc else None,
        "gate": gate.group(1) if gate else None,
        "peak_rss_mib": round(peak / 2**20),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="1,10", help="comma-separated source scales")
    args = parser.parse_args()
    paths = use_bench_stack("-train-bench")
    result: dict = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "scales": []}
    for scale in args.scales.split(","):
        # A fresh lake per scale: a reset of the sources would leave the previous scale's rows in the lake.
        fresh_state(paths)
        run("up")
        lake = scale_run(scale)
        result["scales"].append({"scale": float(scale), "lake": lake, "train": train()})
        write("fraud_train", result)
        run("down")


if __name__ == "__main__":
    main()
