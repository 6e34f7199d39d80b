"""The source databases are configured so Debezium can capture them."""

from __future__ import annotations

import os

import psycopg
import pymysql
import pytest

from pororoca_core import credentials

pytestmark = pytest.mark.integration


def test_postgres_core_has_logical_wal(paths):
    secrets = credentials.load(paths.credentials)
    port = int(os.environ["POROROCA_POSTGRES_PORT"])
    with psycopg.connect(
        host="127.0.0.1", port=port, user="core", password=secrets["postgres_core_password"], dbname="core"
    ) as conn:
        assert conn.execute("SHOW wal_level").fetchone() == ("logical",)
        assert conn.execute("SELECT current_user").fetchone() == ("core",)


def test_mariadb_acquiring_has_row_binlog_with_gtid(paths):
    secrets = credentials.load(paths.credentials)
    conn = pymysql.connect(
        host="127.0.0.1",
        port=int(os.environ["POROROCA_MARIADB_PORT"]),
        user="acquiring",
        password=secrets["mariadb_acquiring_password"],
        database="acquiring",
    )
    with conn, conn.cursor() as cur:
        cur.execute(
            "SHOW VARIABLES WHERE Variable_name IN "
            "('log_bin', 'binlog_format', 'binlog_row_image', 'gtid_strict_mode', 'character_set_server')"
        )
        assert dict(cur.fetchall()) == {
            "log_bin": "ON",
            "binlog_format": "ROW",
            "binlog_row_image": "FULL",
            "gtid_strict_mode": "ON",
            "character_set_server": "utf8mb4",
        }
        cur.execute("SELECT @@global.gtid_binlog_pos IS NOT NULL")
        assert cur.fetchone() == (1,)
