"""Every service logs through a working backend (its start-up line is there), and logs and data are private:
no other local account can read them, and no generated secret is ever written to a log."""

from __future__ import annotations

import re
import stat

import pytest

from pororoca_core import credentials, services

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("service", list(services.load().services.values()), ids=lambda s: s.name)
def test_each_service_logs_its_start_up_line(paths, service):
    assert service.started, f"services.toml: {service.name} has no `started` line"
    log = paths.logs / f"{service.name}.log"
    text = log.read_text(errors="replace")
    assert re.search(service.started, text), f"{log} lacks /{service.started}/; it begins: {text[:400]!r}"
    assert "NOP) logger" not in text, f"{service.name} logs to SLF4J's no-op logger"


def test_no_secret_appears_in_any_log(paths):
    secrets = {k: v for k, v in credentials.load(paths.credentials).items() if len(v) >= 16}
    assert secrets
    for log in (p for p in paths.logs.rglob("*") if p.is_file()):
        text = log.read_text(errors="replace")
        leaked = [name for name, value in secrets.items() if value in text]
        assert not leaked, f"{log} holds {leaked}"


def test_logs_and_data_are_readable_by_their_owner_only(paths):
    exposed = [
        p
        for root in (paths.logs, paths.data)
        for p in (root, *root.rglob("*"))
        if not p.is_symlink() and stat.S_IMODE(p.lstat().st_mode) & 0o077 and not p.is_dir()
    ]
    assert not exposed, f"{len(exposed)} files readable by other accounts, e.g. {exposed[:5]}"
    assert stat.S_IMODE(paths.logs.stat().st_mode) == 0o700
    assert stat.S_IMODE(paths.data.stat().st_mode) == 0o711  # traversable to each service's own directory
