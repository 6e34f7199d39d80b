"""Find a JDK of the major version a component needs."""

from __future__ import annotations

import re
from pathlib import Path

from .manifest import JdkRequirement

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
