"""`pororoca doctor` run for real: it must catch a busy port and a missing prerequisite."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from pororoca_stack import doctor

PORORO = str(Path(sys.executable).with_name("pororoca"))


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PORORO, "doctor"], env=env, capture_output=True, text=True, timeout=120)


def _isolated(tmp_path: Path) -> dict[str, str]:
    return os.environ | {
        "POROROCA_STATE_DIR": str(tmp_path / "state"),
        "POROROCA_CACHE_DIR": str(tmp_path / "cache"),
    }


def test_a_busy_port_fails_with_the_setting_that_moves_it(tmp_path: Path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        r = _run(_isolated(tmp_path) | {"POROROCA_TRINO_PORT": str(port)})
    assert r.returncode == 1, r.stdout
    line = next(x for x in r.stdout.splitlines() if f"port {port} (trino)" in x)
    assert "FAIL" in line and "in use by another program" in line
    assert f"export POROROCA_TRINO_PORT={port + 1000}" in r.stdout
    assert r.stdout.rstrip().splitlines()[-1].startswith("doctor: ")


def test_a_path_without_uv_is_reported_with_the_fix(tmp_path: Path):
    """A PATH holding every tool of this machine but uv (and a cache without one)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for d in os.environ["PATH"].split(os.pathsep):
        if not Path(d).is_dir():
            continue
        for exe in Path(d).iterdir():
            if exe.name != "uv" and not (bin_dir / exe.name).exists() and os.access(exe, os.X_OK):
                (bin_dir / exe.name).symlink_to(exe)
    env = _isolated(tmp_path) | {"PATH": str(bin_dir)}
    assert shutil.which("uv", path=env["PATH"]) is None
    r = _run(env)
    assert r.returncode == 1
    line = next(x for x in r.stdout.splitlines() if "prerequisite uv" in x)
    assert "FAIL" in line and "missing" in line
    assert "make prereqs" in r.stdout


def test_every_check_is_one_line_with_a_verdict(tmp_path: Path):
    r = _run(_isolated(tmp_path))
    lines = r.stdout.rstrip().splitlines()
    for x in lines[:-1]:
        assert x.startswith(("  ok    ", "  FAIL  ", "          -> ")), x
    for name in ("prerequisite uv", "java for kafka", "port 18080 (trino)", "memory", "disk (cache)",
                 "state directory", "cache directory", "clock", "time zones"):  # fmt: skip
        assert any(name in x for x in lines), name
    assert r.returncode == (0 if lines[-1].startswith("doctor: ready") else 1)


def test_resource_and_clock_rules():
    needs = doctor.MachineNeeds(memory_mib=8192, cache_disk_mib=10, state_disk_mib=10)
    low = "MemAvailable:     1048576 kB\n"
    paths = doctor.Paths(cache=Path("/"), state=Path("/"))
    mem = doctor.resource_checks(needs, paths, installed=True, running=False, meminfo=low)[0]
    assert not mem.ok and "1,024 MiB available" in mem.found
    assert doctor.resource_checks(needs, paths, installed=True, running=True, meminfo=low)[0].ok
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert not doctor.clock_checks(now, datetime(2026, 6, 1, tzinfo=UTC))[0].ok
    assert doctor.clock_checks(now, datetime(2025, 6, 1, tzinfo=UTC))[0].ok
