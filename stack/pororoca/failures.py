"""Turn a failed connection to a stack service into the one thing to do about it.

Clients of the stack (requests for the REST APIs and Trino, psycopg, pymysql, confluent-kafka, urllib) each
report a refused or unresolvable address in their own way; this finds the address in the exception or its
causes, names the service listening there by the stack's port settings, and says "is the stack up?"."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from pororoca_core.errors import ServiceUnreachable

# Messages of the clients the stack uses when nothing answers at an address (not auth or query errors).
_REFUSED = re.compile(
    r"connection refused|failed to establish a new connection|can't connect to (mysql|mariadb) server|"
    r"connection to server at|name or service not known|all brokers? down|connect to ipv4|timed out connecting",
    re.I,
)
_ADDRESS = re.compile(
    r"(?:https?://)?(?P<host>localhost|\d{1,3}(?:\.\d{1,3}){3}|[a-z0-9-]+(?:\.[a-z0-9-]+)*)"
    r"(?:\"?, port |:)(?P<port>\d{2,5})",
    re.I,
)
_MYSQL = re.compile(r"(?:mysql|mariadb) server on '(?P<host>[^']+)'", re.I)  # pymysql names no port


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _address(exc: BaseException) -> str | None:
    request = getattr(exc, "request", None)  # requests' ConnectionError carries the request it could not send
    url = getattr(request, "url", None)
    if isinstance(url, str):
        m = _ADDRESS.search(url)
        if m:
            return f"{m['host']}:{m['port']}"
    text = str(exc)
    m = _ADDRESS.search(text)
    return f"{m['host']}:{m['port']}" if m else None


def unreachable(exc: BaseException, services_by_port: Mapping[int, str]) -> ServiceUnreachable | None:
    """The stack service that did not answer, or None when `exc` is not a failed connection."""
    for e in _chain(exc):
        refused = isinstance(e, ConnectionRefusedError) or bool(_REFUSED.search(f"{type(e).__name__}: {e}"))
        if not refused:
            continue
        address = next((a for a in map(_address, _chain(exc)) if a), None)
        if address is not None:
            port = int(address.rsplit(":", 1)[1])
            return ServiceUnreachable(services_by_port.get(port, "a stack service"), address)
        mysql = _MYSQL.search(str(e))
        if mysql:
            mariadb = next((p for p, name in services_by_port.items() if name == "mariadb"), None)
            return ServiceUnreachable("mariadb", f"{mysql['host']}:{mariadb}" if mariadb else mysql["host"])
        return ServiceUnreachable("a stack service", "its configured address", str(e)[:200])
    return None
