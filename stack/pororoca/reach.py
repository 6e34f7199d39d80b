"""`python -m pororoca.reach host:port ...`: can every address be reached over TCP? (the chart's `helm test`)

Each address gets up to a minute, so services still starting are waited for; exit 1 names every one that
never answered.
"""

from __future__ import annotations

import socket
import sys
import time


def reachable(address: str, timeout: float = 60) -> bool:
    host, _, port = address.rpartition(":")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, int(port)), timeout=5):
                return True
        except OSError:
            time.sleep(2)
    return False


def main(addresses: list[str]) -> int:
    if not addresses:
        print("usage: python -m pororoca.reach host:port ...", file=sys.stderr)
        return 2
    failed = [a for a in addresses if not reachable(a)]
    for a in addresses:
        print(f"{'FAIL' if a in failed else 'ok  '} {a}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
