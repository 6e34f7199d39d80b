"""Progress lines: counts, an estimate of time left, timestamps when not on a terminal, never silent."""

from __future__ import annotations

import re
import time

from pororoca_core import progress
from pororoca_core.progress import _State


def test_status_line_counts_and_estimates():
    line = progress.status_line(_State("cdc wait", "changes", done=250, total=1000, note="core"), elapsed=30)
    assert line == "cdc wait: 250/1,000 changes (25%), ~1m30s left - core [30s]"
    assert progress.status_line(_State("generate", "", note="seed 42"), elapsed=5) == "generate: seed 42 [5s]"


def test_eta_needs_something_to_extrapolate_from():
    assert progress.eta_seconds(0, 100, 10) is None
    assert progress.eta_seconds(100, 100, 10) is None
    assert progress.eta_seconds(50, 100, 10) == 10
    assert progress.human_duration(3725) == "1h02m"


def test_plain_output_is_timestamped_and_throttled(capsys):
    with progress.task("load", total=10, unit="rows", live=False) as t:
        t.update(done=1)
        for i in range(2, 10):
            t.update(done=i)  # within PLAIN_EVERY of the first line: not printed
        t.log("a message always prints")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert re.match(r"^\d\d:\d\d:\d\dZ load: 1/10 rows \(10%\)", lines[0])
    assert lines[1].endswith("a message always prints")


def test_a_blocked_step_is_never_silent(capsys, monkeypatch):
    """The caller blocks after one update; the heartbeat repeats the state on its own."""
    monkeypatch.setattr(progress, "HEARTBEAT", 1.0)
    out = ""
    with progress.task("pipeline", live=False) as t:
        t.update(note="pororoca_curate: running")
        deadline = time.monotonic() + 15
        while out.count("pororoca_curate: running") < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            out += capsys.readouterr().out
    assert out.count("pipeline: pororoca_curate: running") >= 2, out
