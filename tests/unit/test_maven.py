import xml.etree.ElementTree as ET

from pororoca_core import manifest
from pororoca_stack import maven

NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def _deps(component):
    root = ET.fromstring(maven.pom(component))
    return root.findall(".//m:dependency", NS)


def test_plugin_archives_are_fetched_without_transitive_dependencies():
    deps = _deps(manifest.load()["debezium"])
    assert len(deps) == 2
    for d in deps:
        assert d.find("m:type", NS).text == "tar.gz"
        assert d.find("m:classifier", NS).text == "plugin"
        excl = d.find(".//m:exclusion", NS)
        assert (excl.find("m:groupId", NS).text, excl.find("m:artifactId", NS).text) == ("*", "*")


def test_the_iceberg_sink_keeps_its_dependencies_but_never_kafka():
    deps = _deps(manifest.load()["iceberg_sink"])
    assert {d.find("m:artifactId", NS).text for d in deps} >= {
        "iceberg-kafka-connect",
        "iceberg-kafka-connect-events",
        "iceberg-kafka-connect-transforms",
        "iceberg-aws-bundle",
    }
    for d in deps:
        groups = {e.find("m:groupId", NS).text for e in d.findall(".//m:exclusion", NS)}
        assert "org.apache.kafka" in groups or groups == {"*"}  # the latter: compiled against, never installed


def test_what_our_sink_classes_compile_against_is_fetched_alone():
    """The Connect API comes without kafka-clients' compression libraries, which would otherwise win Maven's
    version mediation over the sink's own (zstd-jni, snappy-java) and change what writes Parquet."""
    sink = manifest.load()["iceberg_sink"]
    assert {a.artifact for a in sink.compile_against} == {"connect-api", "kafka-clients"}
    alone = [d for d in _deps(sink) if d.find("m:artifactId", NS).text in {"connect-api", "kafka-clients"}]
    assert len(alone) == 2
    for d in alone:
        excl = d.findall(".//m:exclusion", NS)
        assert [(e.find("m:groupId", NS).text, e.find("m:artifactId", NS).text) for e in excl] == [("*", "*")]
