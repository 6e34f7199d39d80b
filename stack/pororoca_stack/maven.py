"""Materialise Maven artifacts into a directory with `mvn dependency:copy-dependencies`."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

from pororoca_core.errors import OperationFailed
from pororoca_core.manifest import Component

DEPENDENCY_PLUGIN = "3.8.1"


def pom(component: Component) -> str:
    """A throwaway pom whose only purpose is to list the component's artifacts as dependencies."""
    exclusions = component.exclude if component.transitive else ("*:*",)
    excl_xml = "".join(
        f"<exclusion><groupId>{escape(g)}</groupId><artifactId>{escape(a)}</artifactId></exclusion>"
        for g, a in (e.split(":") for e in exclusions)
    )
    alone = "<exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion>"
    deps = []
    for art, excl in [*((a, excl_xml) for a in component.artifacts), *((a, alone) for a in component.compile_against)]:
        classifier = f"<classifier>{escape(art.classifier)}</classifier>" if art.classifier else ""
        deps.append(
            "    <dependency>"
            f"<groupId>{escape(art.group)}</groupId><artifactId>{escape(art.artifact)}</artifactId>"
            f"<version>{escape(art.version)}</version><type>{escape(art.type)}</type>{classifier}"
            f"{'<exclusions>' + excl + '</exclusions>' if excl else ''}</dependency>"
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.pororoca.install</groupId>
  <artifactId>{escape(component.name)}</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
{chr(10).join(deps)}
  </dependencies>
</project>
"""


def copy_artifacts(component: Component, dest: Path, repo: Path, log: Path) -> None:
    """Resolve and copy; Maven checks each download against its published checksum (-C)."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pom_path = Path(tmp) / "pom.xml"
        pom_path.write_text(pom(component))
        cmd = [
            "mvn", "-B", "--strict-checksums", "-ntp", "-f", str(pom_path),
            f"-Dmaven.repo.local={repo}",
            f"org.apache.maven.plugins:maven-dependency-plugin:{DEPENDENCY_PLUGIN}:copy-dependencies",
            f"-DoutputDirectory={dest}", "-DincludeScope=runtime", "-DexcludeTransitive=false",
        ]  # fmt: skip
        with log.open("a") as out:
            result = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise OperationFailed(f"Maven could not resolve {component.name} {component.version}; see {log}")
