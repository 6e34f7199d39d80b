"""`pororoca cdc apply|status`."""

from __future__ import annotations

import argparse

from pororoca import services
from pororoca.paths import Paths
from pororoca_sources.connections import Sources

from . import connect, prepare


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("cdc", help="change data capture: connectors as code")
    csub = p.add_subparsers(dest="cdc_command", required=True)
    a = csub.add_parser("apply", help="create or update every connector in cdc/connectors, wait until running")
    a.add_argument("--timeout", type=float, default=180, help="seconds to wait for each connector (default 180)")
    a.set_defaults(func=cmd_apply)
    csub.add_parser("status", help="connectors, tasks, errors and topics").set_defaults(func=cmd_status)


def _context() -> dict[str, str]:
    ports = services.port_values(services.load())
    return {"host": services.HOST, **{k: str(v) for k, v in ports.items()}}


def _url() -> str:
    return f"http://{services.HOST}:{services.port_values(services.load())['connect_port']}"


def cmd_apply(args: argparse.Namespace, paths: Paths) -> int:
    url = _url()
    for c in connect.definitions(_context()):
        if c.config["connector.class"].endswith("PostgresConnector"):
            with Sources.of(paths).core() as conn:
                for change in prepare.prepare_postgres(conn, c.config):
                    print(f"  {c.name}: {change}")
        action = connect.apply_one(url, c)
        connect.wait_running(url, c.name, args.timeout)
        print(f"  {c.name:<20} {action:<9} RUNNING")
    return 0


def cmd_status(args: argparse.Namespace, paths: Paths) -> int:
    rows = connect.status(_url())
    if not rows:
        print("no connectors: run `pororoca cdc apply`")
        return 3
    healthy = True
    for r in rows:
        print(f"{r.name:<20} {r.type:<7} {r.state:<8} topics: {len(r.topics)}")
        for task_id, state, error in r.tasks:
            healthy &= state == "RUNNING"
            print(f"    task {task_id}: {state}{'  ' + error if error else ''}")
        healthy &= r.state == "RUNNING"
    return 0 if healthy else 3
