import io
import json
import zipfile
from pathlib import Path

import pytest

from pororoca_core import jdk, manifest
from pororoca_core.manifest import JdkRequirement
from pororoca_stack import install


def test_zip_entries_cannot_escape_the_target(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("top/ok.txt", "fine")
        zf.writestr("top/../../escape.txt", "bad")
    with pytest.raises(install.InstallError, match="escapes"):
        install._extract_zip(archive, tmp_path / "out", strip=True)


def test_zip_strip_drops_the_top_directory(tmp_path):
    archive = tmp_path / "p.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("trino-iceberg-476/a.jar", "x")
    archive.write_bytes(buf.getvalue())
    install._extract_zip(archive, tmp_path / "plugin", strip=True)
    assert (tmp_path / "plugin" / "a.jar").read_text() == "x"


def test_a_component_counts_as_installed_only_with_a_matching_marker(tmp_path):
    comp = manifest.load()["spark"]
    assert not install.is_installed(tmp_path, comp)
    (tmp_path / install.MARKER).write_text(json.dumps({"fingerprint": "stale"}))
    assert not install.is_installed(tmp_path, comp)
    (tmp_path / install.MARKER).write_text(json.dumps({"fingerprint": comp.fingerprint}))
    assert install.is_installed(tmp_path, comp)


def _fake_jdk(root: Path, name: str, version: str) -> Path:
    home = root / name
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "java").write_text("")
    (home / "release").write_text(f'JAVA_VERSION="{version}"\n')
    return home


def test_the_lowest_suitable_jdk_is_chosen(tmp_path, monkeypatch):
    monkeypatch.setattr(jdk, "JVM_DIRS", (tmp_path,))
    _fake_jdk(tmp_path, "a", "25.0.1")
    _fake_jdk(tmp_path, "b", "17.0.15")
    _fake_jdk(tmp_path, "c", "21.0.2")
    assert jdk.find(JdkRequirement(17, 17, 21)).name == "b"
    assert jdk.find(JdkRequirement(24, 24, 99)).name == "a"
    assert jdk.find(JdkRequirement(11, 11, 11)) is None
