from pathlib import Path

from pororoca_core.paths import Paths
from pororoca_core.services import RenderedService, Service
from pororoca_stack.supervisor import config_text


def _rs(name, command, env=None):
    svc = Service(name=name, component=name, command=command, health={}, ports=(), stopsignal="INT")
    return RenderedService(service=svc, command=command, env=env or {}, health={})


def test_programs_are_manual_start_logged_and_percent_escaped():
    paths = Paths(cache=Path("/c"), state=Path("/s"))
    text = config_text(paths, [_rs("postgres", ["/bin/pg", "-c", "x=50%"], {"K": "v%1"})], {"postgres": "postgres"})
    block = text.split("[program:postgres]")[1]
    assert "command=/bin/pg -c x=50%%" in block
    assert 'environment=K="v%%1"' in block
    assert "autostart=false" in block and "stopsignal=INT" in block
    assert "user=postgres" in block
    assert "stdout_logfile=/s/logs/postgres.log" in block
    assert "file=/s/run/supervisor.sock" in text and "chmod=0700" in text
    assert "inet_http_server" not in text  # the control channel is a private unix socket, never TCP
