"""Progress of long work: a live bar on a terminal, plain timestamped lines otherwise (CI logs).

    with progress.task("cdc wait", unit="changes") as t:
        t.update(done, total, note="snapshotting: core")
        t.log("a line worth keeping")

Either way a step is never silent for more than HEARTBEAT seconds: a background heartbeat repeats the latest
state with the elapsed time while the caller blocks (a Go build, a Spark job, an Airflow run).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

HEARTBEAT = 20.0  # seconds without a line before the plain reporter repeats the state
PLAIN_EVERY = 10.0  # at most one plain progress line this often (the first, and messages, always print)


def interactive() -> bool:
    """A person at a terminal, unless POROROCA_PLAIN_PROGRESS says otherwise."""
    return sys.stdout.isatty() and os.environ.get("POROROCA_PLAIN_PROGRESS", "") in ("", "0")


def eta_seconds(done: float, total: float | None, elapsed: float) -> float | None:
    """Linear estimate of the time left; None until there is something to extrapolate from."""
    if not total or done <= 0 or elapsed <= 0 or done >= total:
        return None
    return elapsed * (total - done) / done


def human_duration(seconds: float) -> str:
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


@dataclass
class _State:
    label: str
    unit: str
    done: float = 0
    total: float | None = None
    note: str = ""


def status_line(state: _State, elapsed: float) -> str:
    """`cdc wait: 1,234/5,000 changes (25%), ~1m05s left - note` (pure: tested alone)."""
    parts = [f"{state.label}:"]
    if state.total:
        pct = 100 * state.done / state.total
        unit = f" {state.unit}" if state.unit else ""
        parts.append(f"{state.done:,.0f}/{state.total:,.0f}{unit} ({pct:.0f}%)")
        eta = eta_seconds(state.done, state.total, elapsed)
        if eta is not None:
            parts[-1] += f", ~{human_duration(eta)} left"
    elif state.done:
        parts.append(f"{state.done:,.0f} {state.unit}".rstrip())
    if state.note:
        parts.append(f"- {state.note}" if len(parts) > 1 else state.note)
    parts.append(f"[{human_duration(elapsed)}]")
    return " ".join(parts)


class Task:
    """One long step. Thread-safe: installers update it from worker threads."""

    def __init__(self, label: str, total: float | None, unit: str, live: bool) -> None:
        self._state = _State(label, unit, 0, total)
        self._started = time.monotonic()
        self._last_line = self._started
        self._reported = False  # the first update prints at once
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._live = None
        if live:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._live = Progress(
                SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[unit]}"), TimeRemainingColumn(), TimeElapsedColumn(),
                TextColumn("{task.fields[note]}"),
            )  # fmt: skip
            self._live.start()
            self._id = self._live.add_task(label, total=total, unit=unit, note="")
        self._beat = threading.Thread(target=self._heartbeat, daemon=True)
        self._beat.start()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def _emit(self, line: str) -> None:
        stamp = datetime.now(UTC).strftime("%H:%M:%SZ")
        print(f"{stamp} {line}", flush=True)
        self._last_line = time.monotonic()

    def _heartbeat(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                if self._live is None and time.monotonic() - self._last_line >= HEARTBEAT:
                    self._emit(status_line(self._state, self.elapsed))

    def update(
        self, done: float | None = None, total: float | None = None, note: str | None = None, advance: float = 0
    ) -> None:
        with self._lock:
            s = self._state
            s.done = (s.done if done is None else done) + advance
            s.total = s.total if total is None else total
            s.note = s.note if note is None else note
            if self._live is not None:
                self._live.update(self._id, completed=s.done, total=s.total, note=s.note)
            elif not self._reported or time.monotonic() - self._last_line >= PLAIN_EVERY:
                self._reported = True
                self._emit(status_line(s, self.elapsed))

    def log(self, message: str) -> None:
        with self._lock:
            if self._live is not None:
                self._live.console.print(message, markup=False, highlight=False)
            else:
                self._emit(message)

    def close(self, message: str | None = None) -> None:
        self._stop.set()
        with self._lock:
            if self._live is not None:
                self._live.stop()
                self._live = None
        if message:
            self.log(message)


@contextmanager
def task(label: str, total: float | None = None, unit: str = "", live: bool | None = None) -> Iterator[Task]:
    t = Task(label, total, unit, interactive() if live is None else live)
    try:
        yield t
    finally:
        t.close()
