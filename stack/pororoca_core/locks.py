"""Machine-wide exclusive locks for jobs that must not overlap (two curations committing to the same silver
tables), as `flock` files in the state directory: the kernel releases them when the holder dies."""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from pororoca_core.errors import PororocaError
from pororoca_core.paths import Paths


class LockBusy(PororocaError, RuntimeError):
    pass


def _holder(path: os.PathLike) -> str:
    try:
        with open(path) as f:
            h = json.load(f)
        return f"pid {h['pid']}, running since {h['since']}"
    except (OSError, ValueError, KeyError):
        return "unknown holder"


@contextmanager
def exclusive(paths: Paths, name: str, wait: float, say: Callable[[str], None] = print) -> Iterator[None]:
    """Hold lock `name`; if another process holds it, say so and wait up to `wait` seconds, then LockBusy."""
    folder = paths.state / "locks"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{name}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told:
                    say(f"{name}: another run holds the lock ({_holder(path)}); waiting up to {wait:.0f}s")
                    told = True
                if time.monotonic() >= deadline:
                    raise LockBusy(
                        f"{name}: another run still holds the lock after {wait:.0f}s ({_holder(path)}); "
                        "this run did nothing, the next one will catch up"
                    ) from None
                time.sleep(0.5)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "since": datetime.now(UTC).isoformat(timespec="seconds")})
                  .encode(), 0)  # fmt: skip
        if told:
            say(f"{name}: lock acquired, going on")
        yield
    finally:
        os.close(fd)  # releases the lock
