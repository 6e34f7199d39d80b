"""The `pororoca` command line: the front door to the local stack. Grammar: `pororoca <noun> <verb> [options]`
(`pororoca --help`, `pororoca <noun> --help`, `pororoca <noun> <verb> --help`); the commands are declared in
`pororoca.commands`, and a verb's code is imported only when it runs."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version

from pororoca.commands import NOUNS, Verb
from pororoca.failures import unreachable
from pororoca_core.errors import ExitCode, PororocaError
from pororoca_core.paths import Paths

Handler = Callable[[argparse.Namespace, Paths], int]

EXIT_CODES = {
    ExitCode.OK: "success",
    ExitCode.FAILED: "the command ran and failed (a job, a check, a conflict): the message says why",
    ExitCode.USAGE: "the command was used wrongly (unknown option, bad value, no subject): nothing changed",
    ExitCode.UNHEALTHY: "the stack or a service of it is down or unhealthy (`pororoca stack status`)",
}


def _version() -> str:
    try:
        return version("pororoca")
    except PackageNotFoundError:  # a source tree used without `make venv`
        return "unknown"


def _add_verb(sub: argparse._SubParsersAction, verb: Verb, name: str, listed: bool) -> None:
    if listed:
        p = sub.add_parser(name, help=verb.help, description=verb.help)
    else:  # no help: not listed (aliases of the old grammar)
        p = sub.add_parser(name, description=verb.help)
    for a in verb.args:
        p.add_argument(*a.flags, **a.options)
    p.set_defaults(handler=verb.handler)


def build_parser() -> argparse.ArgumentParser:
    codes = "\n".join(f"  {int(c)}  {what}" for c, what in EXIT_CODES.items())
    p = argparse.ArgumentParser(
        prog="pororoca",
        description="Pororoca: the lakehouse for fintechs, on one machine.",
        epilog=f"exit codes:\n{codes}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"pororoca {_version()}")
    p.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    top = p.add_subparsers(dest="noun", required=True, metavar="<noun>")
    for noun in NOUNS:
        np = top.add_parser(noun.name, help=noun.help, description=noun.help)
        verbs = np.add_subparsers(dest="verb", required=True, metavar="<verb>")
        for verb in noun.verbs:
            _add_verb(verbs, verb, verb.name, listed=True)
    for noun in NOUNS:
        for verb in noun.verbs:
            if verb.alias:
                _add_verb(top, verb, verb.alias, listed=False)
    return p


def load_handler(spec: str) -> Handler:
    module, _, function = spec.partition(":")
    return getattr(importlib.import_module(module), function)


def _services_by_port() -> dict[int, str]:
    from pororoca_core import services

    try:
        ports = services.port_values(services.load())
    except PororocaError:
        return {}
    return {port: name.removesuffix("_port") for name, port in ports.items()}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    debug = args.debug or os.environ.get("POROROCA_DEBUG") == "1"
    try:
        return int(load_handler(args.handler)(args, Paths.from_env()))
    except PororocaError as e:
        if debug:
            traceback.print_exc()
        print(f"error: {e}", file=sys.stderr)
        return int(e.exit_code)
    except Exception as e:
        down = unreachable(e, _services_by_port())
        if down is None or debug:
            raise
        print(f"error: {down}", file=sys.stderr)
        return int(down.exit_code)


if __name__ == "__main__":
    sys.exit(main())
