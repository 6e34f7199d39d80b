"""The CLI's grammar: every command answers --help, aliases keep the old names, options belong to their verb,
the code of a verb loads only when it runs, and failures map to the documented exit codes."""

import argparse
import re
import subprocess
import sys

import pytest

from pororoca import cli
from pororoca.argtypes import positive_float
from pororoca.commands import NOUNS
from pororoca_core.errors import ExitCode, UsageError


def every_command() -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = [()]

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found.append((*path, name))
                    walk(sub, (*path, name))

    walk(cli.build_parser(), ())
    return found


@pytest.mark.parametrize("command", every_command(), ids=lambda c: " ".join(c) or "pororoca")
def test_every_command_answers_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        cli.build_parser().parse_args([*command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: pororoca {' '.join(command)}".rstrip())
    assert len(out.splitlines()) > 3


def test_the_top_level_lists_nouns_only_and_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["--help"])
    out = capsys.readouterr().out
    section = out.split("positional arguments:")[1].split("options:")[0]
    listed = re.findall(r"^    (\S+)", section, re.M)
    assert listed == [n.name for n in NOUNS]
    for code in ExitCode:
        assert f"  {int(code)}  " in out


def test_every_handler_exists_and_every_alias_is_the_same_verb():
    parser = cli.build_parser()
    for noun in NOUNS:
        for verb in noun.verbs:
            assert callable(cli.load_handler(verb.handler)), verb.handler
            canonical = parser.parse_args([noun.name, verb.name, *_required(verb)])
            if verb.alias:
                old = parser.parse_args([verb.alias, *_required(verb)])
                assert old.handler == canonical.handler


def _required(verb) -> list[str]:
    out: list[str] = []
    for a in verb.args:
        if not a.flags[0].startswith("-"):
            out.append(a.options.get("choices", ["x"])[0])
        elif a.options.get("required"):
            out += [a.flags[0], "1" if a.options.get("type") in (int, float, positive_float) else "x"]
    return out


def test_options_belong_to_their_verb(capsys):
    with pytest.raises(SystemExit) as done:
        cli.build_parser().parse_args(["lgpd", "erase", "--json"])
    assert done.value.code == ExitCode.USAGE
    assert "unrecognized arguments: --json" in capsys.readouterr().err
    assert cli.build_parser().parse_args(["lgpd", "access-report", "--json"]).json


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sources", "simulate", "--rate", "0"], "must be greater than 0"),
        (["jobs", "kpis", "--date", "yesterday"], "is not a date"),
        (["jobs", "curate", "--tables", "silver.a,,silver.b"], "empty item"),
    ],
)
def test_bad_values_are_usage_errors_that_say_what_was_given(argv, message, capsys):
    with pytest.raises(SystemExit) as done:
        cli.build_parser().parse_args(argv)
    assert done.value.code == ExitCode.USAGE and message in capsys.readouterr().err


def test_version():
    r = subprocess.run([sys.executable, "-m", "pororoca.cli", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("pororoca 0.")


def test_status_loads_no_kafka_iceberg_spark_or_faker():
    probe = (
        "import sys; from pororoca import cli; p = cli.build_parser(); "
        "cli.load_handler(p.parse_args(['stack', 'status']).handler); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'confluent_kafka', 'pyiceberg', 'pyspark', 'faker'}))"
    )
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]"


def test_an_error_of_ours_prints_its_message_and_exits_with_its_kind(monkeypatch, capsys):
    def fails(args, paths):
        raise UsageError("name the data subject")

    monkeypatch.setattr(cli, "load_handler", lambda spec: fails)
    assert cli.main(["lgpd", "export"]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err == "error: name the data subject\n"
    assert cli.main(["--debug", "lgpd", "export"]) == ExitCode.USAGE
    assert "Traceback" in capsys.readouterr().err


def test_a_stopped_service_says_to_start_the_stack(monkeypatch, capsys, free_port):
    import requests

    def calls_a_closed_port(args, paths):
        requests.get(f"http://127.0.0.1:{free_port}/v1/info", timeout=5)

    monkeypatch.setattr(cli, "load_handler", lambda spec: calls_a_closed_port)
    monkeypatch.setattr(cli, "_services_by_port", lambda: {free_port: "trino"})
    assert cli.main(["stack", "status"]) == ExitCode.UNHEALTHY
    err = capsys.readouterr().err
    assert f"cannot reach trino at 127.0.0.1:{free_port}" in err and "run `pororoca up`" in err
    assert "Traceback" not in err


def test_a_bug_keeps_its_traceback(monkeypatch):
    def buggy(args, paths):
        return {}["missing"]

    monkeypatch.setattr(cli, "load_handler", lambda spec: buggy)
    with pytest.raises(KeyError):
        cli.main(["stack", "status"])
