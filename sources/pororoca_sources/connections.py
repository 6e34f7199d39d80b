"""Connections to the two source systems, as their own least-privilege users."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
import pymysql

from pororoca_core import credentials, services
from pororoca_core.errors import NotReady
from pororoca_core.paths import Paths
from pororoca_core.services import peer_host

CORE_DB = "core"
ACQUIRING_DB = "acquiring"


@dataclass(frozen=True)
class Sources:
    pg_port: int
    pg_password: str
    mariadb_port: int
    mariadb_password: str

    @classmethod
    def of(cls, paths: Paths) -> Sources:
        ports = services.port_values(services.load())
        secrets = credentials.load(paths.credentials)
        if not secrets:
            raise NotReady(f"no credentials at {paths.credentials}: run `make up` first")
        return cls(
            pg_port=ports["postgres_port"],
            pg_password=secrets[f"postgres_{CORE_DB}_password"],
            mariadb_port=ports["mariadb_port"],
            mariadb_password=secrets[f"mariadb_{ACQUIRING_DB}_password"],
        )

    def core(self, autocommit: bool = False) -> psycopg.Connection:
        return psycopg.connect(
            host=peer_host("postgres"),
            port=self.pg_port,
            user=CORE_DB,
            password=self.pg_password,
            dbname=CORE_DB,
            autocommit=autocommit,
        )

    def acquiring(self) -> pymysql.connections.Connection:
        return pymysql.connect(
            host=peer_host("mariadb"),
            port=self.mariadb_port,
            user=ACQUIRING_DB,
            password=self.mariadb_password,
            database=ACQUIRING_DB,
            charset="utf8mb4",
            autocommit=False,
        )
