"""The versions manifest (`versions.toml`), typed."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pororoca_core.errors import ConfigError

if TYPE_CHECKING:
    from pororoca_core.paths import Paths

REPO_ROOT = Path(__file__).resolve().parents[2]
MANIFEST_PATH = REPO_ROOT / "versions.toml"

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


@dataclass(frozen=True)
class MavenArtifact:
    group: str
    artifact: str
    version: str
    type: str = "jar"
    classifier: str = ""

    @classmethod
    def parse(cls, coordinate: str) -> MavenArtifact:
        parts = coordinate.split(":")
        if not 3 <= len(parts) <= 5 or not all(parts[:3]):
            raise ConfigError(
                f"bad Maven coordinate {coordinate!r}: expected group:artifact:version[:type[:classifier]]"
            )
        return cls(*parts)

    @property
    def file_name(self) -> str:
        classifier = f"-{self.classifier}" if self.classifier else ""
        return f"{self.artifact}-{self.version}{classifier}.{self.type}"


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    source: str
    java: int | None = None
    artifacts: tuple[MavenArtifact, ...] = ()
    # What our sources (`sources`) compile against and the runtime provides: fetched alone, never installed.
    compile_against: tuple[MavenArtifact, ...] = ()
    transitive: bool = False
    exclude: tuple[str, ...] = ()
    module: str = ""
    packages: tuple[str, ...] = ()
    binary: str = ""
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def lock_file(self) -> Path | None:
        """A `venv` component's hashed requirements lock (path relative to the repository root)."""
        return MANIFEST_PATH.parent / self.raw["lock"] if "lock" in self.raw else None

    @property
    def source_dir(self) -> Path | None:
        """Sources in this repository that the installer compiles (path relative to the repository root)."""
        return MANIFEST_PATH.parent / self.raw["sources"] if "sources" in self.raw else None

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything that decides the installed bytes changes."""
        lock = self.lock_file
        locked = hashlib.sha256(lock.read_bytes()).hexdigest() if lock and lock.is_file() else ""
        if self.source_dir:  # our own code built at install: its sources decide the bytes too
            digest = hashlib.sha256()
            for f in sorted(p for p in self.source_dir.rglob("*") if p.is_file()):
                digest.update(str(f.relative_to(self.source_dir)).encode() + b"\0" + f.read_bytes())
            locked += digest.hexdigest()
        parts: list[object] = [self.version, [a.__dict__ for a in self.artifacts], self.raw]
        blob = json.dumps([*parts, locked] if locked else parts, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class JdkRequirement:
    key: int
    min: int
    max: int
    debian: str = ""
    pypi: str = ""


@dataclass(frozen=True)
class Manifest:
    components: dict[str, Component]
    jdks: dict[int, JdkRequirement]

    def __getitem__(self, name: str) -> Component:
        return self.components[name]

    def versions(self) -> dict[str, str]:
        return {name: c.version for name, c in self.components.items()}


def expand(template: str, versions: dict[str, str]) -> str:
    """Replace `{component}` with that component's version; unknown names are an error."""

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in versions:
            raise KeyError(f"{template!r} names unknown component {name!r}")
        return versions[name]

    return _PLACEHOLDER.sub(sub, template)


def parse(data: dict) -> Manifest:
    raw_components: dict[str, dict] = data["components"]
    # Versions may refer to other components' versions (one level deep is all the manifest uses).
    literal = {n: c["version"] for n, c in raw_components.items() if not _PLACEHOLDER.search(c["version"])}
    versions = {n: expand(c["version"], literal) for n, c in raw_components.items()}
    components = {}
    for name, spec in raw_components.items():
        components[name] = Component(
            name=name,
            version=versions[name],
            source=spec["source"],
            java=spec.get("java"),
            artifacts=tuple(MavenArtifact.parse(expand(a, versions)) for a in spec.get("artifacts", [])),
            compile_against=tuple(MavenArtifact.parse(expand(a, versions)) for a in spec.get("compile_against", [])),
            transitive=spec.get("transitive", False),
            exclude=tuple(spec.get("exclude", [])),
            module=spec.get("module", ""),
            packages=tuple(spec.get("packages", [])),
            binary=spec.get("binary", ""),
            raw=spec,
        )
    jdks = {int(k): JdkRequirement(key=int(k), **v) for k, v in data.get("jdks", {}).items()}
    return Manifest(components=components, jdks=jdks)


def load(path: Path = MANIFEST_PATH) -> Manifest:
    with path.open("rb") as f:
        return parse(tomllib.load(f))


def component_python(paths: Paths, name: str) -> str:
    """The interpreter of a component that is its own virtual environment (fraud, openmetadata, airflow)."""
    from pororoca_core.errors import NotReady

    component = load().components[name]
    python = paths.component_home(component.name, component.version) / "bin" / "python"
    if not python.exists():
        raise NotReady(f"the {name} environment is not installed ({python}): run `pororoca stack install`")
    return str(python)
