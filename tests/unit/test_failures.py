"""A refused connection from each client the stack uses becomes "cannot reach <service> at <address>".
The exceptions come from real connection attempts to a closed loopback port."""

import psycopg
import pymysql
import pytest
import requests

from pororoca.failures import unreachable
from pororoca_core.errors import ExitCode


def refused(call):
    try:
        call()
    except Exception as e:
        return e
    raise AssertionError("the closed port answered")


def test_requests(free_port):
    e = refused(lambda: requests.get(f"http://127.0.0.1:{free_port}/api/v1/health", timeout=5))
    down = unreachable(e, {free_port: "superset"})
    assert down is not None and down.exit_code == ExitCode.UNHEALTHY
    assert str(down) == f"cannot reach superset at 127.0.0.1:{free_port}: is the stack up? run `pororoca up`"


def test_psycopg(free_port):
    e = refused(lambda: psycopg.connect(host="127.0.0.1", port=free_port, user="x", password="x", connect_timeout=5))
    assert unreachable(e, {free_port: "postgres"}).address == f"127.0.0.1:{free_port}"


def test_pymysql_names_mariadb_by_its_port_setting(free_port):
    e = refused(lambda: pymysql.connect(host="127.0.0.1", port=free_port, user="x", password="x", connect_timeout=5))
    down = unreachable(e, {free_port: "mariadb", 1: "trino"})
    assert down.service == "mariadb" and down.address == f"127.0.0.1:{free_port}"


def test_trino_client_wrapped_in_another_error(free_port):
    import trino

    def query():
        try:
            with trino.dbapi.connect(host="127.0.0.1", port=free_port, user="x", request_timeout=5) as conn:
                conn.cursor().execute("SELECT 1")
        except Exception as e:
            raise RuntimeError("headline failed") from e

    down = unreachable(refused(query), {free_port: "trino"})
    assert down is not None and down.service == "trino" and down.address == f"127.0.0.1:{free_port}"


@pytest.mark.parametrize("error", [KeyError("x"), ValueError("bad value"), PermissionError("denied")])
def test_other_errors_are_not_taken_for_a_stopped_stack(error):
    assert unreachable(error, {}) is None
