"""One curation at a time: the second waits, says why, and gives up cleanly after its deadline."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pororoca_core import locks
from pororoca_core.paths import Paths


def test_a_held_lock_makes_the_next_holder_wait_then_give_up(tmp_path: Path):
    paths = Paths(cache=tmp_path, state=tmp_path / "state")
    said: list[str] = []
    with (
        locks.exclusive(paths, "curate", wait=0),
        pytest.raises(locks.LockBusy, match="still holds the lock"),
        locks.exclusive(paths, "curate", wait=0.6, say=said.append),
    ):
        pass
    assert said and "another run holds the lock (pid" in said[0]
    with locks.exclusive(paths, "curate", wait=0):  # released: free again
        pass
    assert (paths.state / "locks" / "curate.lock").stat().st_mode & 0o077 == 0


def test_the_waiter_goes_on_when_the_holder_finishes(tmp_path: Path):
    paths = Paths(cache=tmp_path, state=tmp_path / "state")
    release = threading.Event()
    held = threading.Event()

    def holder() -> None:
        with locks.exclusive(paths, "curate", wait=0):
            held.set()
            release.wait(10)

    t = threading.Thread(target=holder)
    t.start()
    assert held.wait(10)
    said: list[str] = []
    timer = threading.Timer(0.5, release.set)
    timer.start()
    with locks.exclusive(paths, "curate", wait=10, say=said.append):
        assert said[-1] == "curate: lock acquired, going on"
    t.join()
