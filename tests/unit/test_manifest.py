import tomllib

import pytest

from pororoca_core import manifest
from pororoca_core.manifest import MavenArtifact, expand


def test_coordinates_parse_with_type_and_classifier():
    art = MavenArtifact.parse("io.debezium:debezium-connector-postgres:3.5.0.Final:tar.gz:plugin")
    assert (art.type, art.classifier) == ("tar.gz", "plugin")
    assert art.file_name == "debezium-connector-postgres-3.5.0.Final-plugin.tar.gz"
    assert MavenArtifact.parse("g:a:1").file_name == "a-1.jar"


@pytest.mark.parametrize("bad", ["g:a", "g::1", "a:b:c:d:e:f"])
def test_bad_coordinates_are_rejected_with_the_expected_form(bad):
    with pytest.raises(ValueError, match="group:artifact:version"):
        MavenArtifact.parse(bad)


def test_placeholders_expand_to_component_versions_and_unknown_names_fail():
    assert expand("x:{kafka}", {"kafka": "4.1.1"}) == "x:4.1.1"
    with pytest.raises(KeyError, match="nope"):
        expand("x:{nope}", {"kafka": "4.1.1"})


def test_the_real_manifest_resolves_every_placeholder():
    m = manifest.load()
    assert m["iceberg_sink"].version == m["iceberg"].version
    for c in m.components.values():
        for a in c.artifacts:
            assert "{" not in a.version, (c.name, a)
    assert m["trino"].version == "476"  # the last Trino whose server is on Maven Central


def test_fingerprint_changes_with_version():
    data = {"components": {"x": {"version": "1", "source": "maven", "artifacts": ["g:a:{x}"]}}}
    one = manifest.parse(data)["x"].fingerprint
    data["components"]["x"]["version"] = "2"
    assert manifest.parse(data)["x"].fingerprint != one


def test_python_pins_agree_with_the_manifest():
    """pyproject.toml is where uv reads Python pins; the manifest is the source of truth."""
    m = manifest.load()
    deps = tomllib.loads((manifest.REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = {d.split("==")[0].split("[")[0]: d.split("==")[1] for d in deps}
    assert pins["pyspark"] == m["spark"].version
    assert pins["pyiceberg"] == m["pyiceberg"].version
    assert pins["supervisor"] == m["supervisor"].version
