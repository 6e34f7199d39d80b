from __future__ import annotations

import pytest
import requests

from pororoca import lakehouse

pytestmark = pytest.mark.integration


def test_connect_lists_the_debezium_and_iceberg_plugins(paths):
    url = lakehouse.Endpoints.of(paths).connect_url
    plugins = {p["class"]: p for p in requests.get(f"{url}/connector-plugins", timeout=10).json()}
    assert plugins["io.debezium.connector.postgresql.PostgresConnector"]["type"] == "source"
    assert plugins["io.debezium.connector.mariadb.MariaDbConnector"]["type"] == "source"
    assert plugins["org.apache.iceberg.connect.IcebergSinkConnector"]["type"] == "sink"


def test_connect_runs_in_distributed_mode_against_our_broker(paths):
    info = requests.get(lakehouse.Endpoints.of(paths).connect_url + "/", timeout=10).json()
    assert info["kafka_cluster_id"]
    assert info["version"].startswith("4.1")
