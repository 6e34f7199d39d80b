"""`status` sums the memory of a service's whole process tree, even while it forks and reaps children."""

from __future__ import annotations

import os
import subprocess

import psutil

from pororoca_stack import stack


def test_a_child_that_exits_while_being_measured_does_not_zero_the_tree(monkeypatch):
    child = subprocess.Popen(["sleep", "30"])
    try:
        gone = psutil.Process(child.pid)
        child.kill()
        child.wait()
        monkeypatch.setattr(psutil.Process, "children", lambda self, recursive=False: [gone])
        own = psutil.Process(os.getpid()).memory_info().rss / 2**20
        assert stack._rss_mb(os.getpid()) >= own * 0.9
    finally:
        child.kill()


def test_a_vanished_service_counts_as_no_memory():
    child = subprocess.Popen(["true"])
    child.wait()
    assert stack._rss_mb(child.pid) == 0.0
