"""The prerequisites step: what it detects, what it would install, and that without root it changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pororoca_core import prereqs
from pororoca_core.manifest import REPO_ROOT
from pororoca_core.paths import Paths
from pororoca_core.prereqs import Check, Prerequisites


def test_the_manifest_names_every_prerequisite():
    pre = Prerequisites.load()
    assert {"make", "mvn", "go", "python3.11"} <= pre.commands.keys()
    assert {"postgresql", "mariadb", "chromium"} <= pre.binaries.keys()
    assert pre.uv_version and all(len(h) == 64 for h in pre.uv_sha256)
    assert pre.javac_min >= 24  # the Trino audit plugin is compiled against Trino's SPI


def test_plan_separates_packages_pip_and_what_needs_a_person():
    checks = [
        Check("make", True, "4.3", ("make",)),
        Check("mariadb", False, "missing", ("mariadb-server", "mariadb-client")),
        Check("chromium", False, "missing", ("chromium",)),
        Check("uv", False, "missing", pip=True),
        Check("javac 24+", False, "missing", advice="a JDK 24+"),
    ]
    p = prereqs.plan(checks)
    assert p.apt == ("mariadb-server", "mariadb-client", "chromium")
    assert p.uv
    assert [c.name for c in p.manual] == ["javac 24+"]
    assert prereqs.plan(checks[:1]).empty


def test_without_root_nothing_changes_and_the_commands_are_printed(tmp_path: Path, monkeypatch, capsys):
    pre = Prerequisites.load()
    paths = Paths(cache=tmp_path / "cache", state=tmp_path / "state")
    missing = [Check("mariadb", False, "missing", ("mariadb-server",)), Check("uv", False, "missing", pip=True)]
    monkeypatch.setattr(prereqs, "detect", lambda *_: missing)
    ran: list[list[str]] = []
    real_run = subprocess.run

    def spy(cmd, *a, **kw):
        ran.append(list(cmd))
        if cmd[:3] == [sys.executable, "-m", "pip"] and "--version" in cmd:
            return real_run(cmd, *a, **kw)  # asking whether pip exists changes nothing
        raise AssertionError(f"changed the machine: {cmd}")

    monkeypatch.setattr(prereqs.subprocess, "run", spy)
    assert prereqs.run(pre, paths, is_root=False, has_apt=True) == 1
    out = capsys.readouterr().out
    assert "nothing was changed (not root)" in out
    assert "sudo apt-get install -y -q --no-install-recommends mariadb-server" in out
    assert f"uv=={pre.uv_version}" in out
    assert not (tmp_path / "cache").exists()


def test_not_debian_prints_commands_without_sudo(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setattr(prereqs, "detect", lambda *_: [Check("chromium", False, "missing", ("chromium",))])
    paths = Paths(cache=tmp_path / "c", state=tmp_path / "s")
    assert prereqs.run(Prerequisites.load(), paths, is_root=True, has_apt=False) == 1
    out = capsys.readouterr().out
    assert "no apt-get" in out and "\n  apt-get install" in out


def test_the_real_step_has_nothing_to_do_once_it_ran():
    """`make prereqs` on this machine (make ran it before the tests): idempotent, changes nothing."""
    env = os.environ | {"PYTHONPATH": str(REPO_ROOT / "stack")}
    cmd = ["python3", "-m", "pororoca_core.prereqs"]
    r = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "present" in r.stdout and "installing" not in r.stdout
