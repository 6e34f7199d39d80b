from __future__ import annotations

import pytest
import requests

from pororoca_core import lakehouse

pytestmark = pytest.mark.integration


def test_connect_lists_the_debezium_and_iceberg_plugins(paths):
    ep = lakehouse.Endpoints.of(paths)
    r = requests.get(f"{ep.connect_url}/connector-plugins", auth=ep.connect_auth, timeout=10)
    plugins = {p["class"]: p for p in r.json()}
    assert plugins["io.debezium.connector.postgresql.PostgresConnector"]["type"] == "source"
    assert plugins["io.debezium.connector.mariadb.MariaDbConnector"]["type"] == "source"
    assert plugins["org.apache.iceberg.connect.IcebergSinkConnector"]["type"] == "sink"


def test_connect_runs_in_distributed_mode_against_our_broker(paths):
    ep = lakehouse.Endpoints.of(paths)
    info = requests.get(ep.connect_url + "/", auth=ep.connect_auth, timeout=10).json()
    assert info["kafka_cluster_id"]
    assert info["version"].startswith("4.1")
