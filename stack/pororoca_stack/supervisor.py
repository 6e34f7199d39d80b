"""The process supervisor is supervisord (from PyPI); this module writes its configuration and
talks to it over XML-RPC on a unix socket in the state directory."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
import xmlrpc.client
from http.client import HTTPException
from pathlib import Path
from typing import Any

from supervisor.xmlrpc import SupervisorTransport

from pororoca_core.errors import OperationFailed
from pororoca_core.paths import Paths
from pororoca_core.services import RenderedService

RUNNING_STATES = {"STARTING", "RUNNING", "BACKOFF", "STOPPING"}


def _q(value: str) -> str:
    # supervisord reads its file with ConfigParser-style %-interpolation.
    return value.replace("%", "%%")


def socket_path(paths: Paths) -> Path:
    return paths.state / "run" / "supervisor.sock"


def config_text(paths: Paths, services: list[RenderedService], run_as: dict[str, str]) -> str:
    sock = socket_path(paths)
    lines = [
        "; Written by `pororoca up`. Holds secrets in environment= lines: mode 0600, never copy it to git.",
        "[unix_http_server]",
        f"file={sock}",
        "chmod=0700",
        "[supervisord]",
        f"logfile={paths.logs / 'supervisord.log'}",
        f"pidfile={paths.state / 'run' / 'supervisord.pid'}",
        f"childlogdir={paths.logs}",
        "logfile_maxbytes=10MB",
        # Every log, data file and directory the services create is theirs alone (no other local account reads
        # the lake's files, the topics or the logs).
        "umask=077",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "[supervisorctl]",
        f"serverurl=unix://{sock}",
    ]
    for rs in services:
        svc = rs.service
        env = ",".join(f'{k}="{_q(v)}"' for k, v in rs.env.items())
        lines += [
            f"[program:{svc.name}]",
            f"command={_q(shlex.join(rs.command))}",
            f"directory={paths.data / svc.name}",
            # A crash stays visible in `status` (and `up` restarts it) instead of being papered over.
            "autostart=false",
            "autorestart=false",
            "startsecs=1",
            f"stopsignal={svc.stopsignal}",
            "stopwaitsecs=90",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={paths.logs / (svc.name + '.log')}",
            "stdout_logfile_maxbytes=50MB",
            "stdout_logfile_backups=3",
        ]
        if env:
            lines.append(f"environment={env}")
        if svc.name in run_as:
            lines.append(f"user={run_as[svc.name]}")
    return "\n".join(lines) + "\n"


class Supervisor:
    def __init__(self, paths: Paths):
        self.paths = paths
        self.conf = paths.state / "supervisord.conf"

    @property
    def rpc(self) -> Any:
        """supervisord's XML-RPC proxy (its methods are resolved at call time, so untyped).
        A fresh connection per call: the transport's kept-alive connection is unusable after an error."""
        transport = SupervisorTransport(None, None, serverurl=f"unix://{socket_path(self.paths)}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def is_running(self) -> bool:
        try:
            return self.rpc.supervisor.getState()["statename"] == "RUNNING"
        except (OSError, HTTPException, xmlrpc.client.Fault):
            return False

    def start_daemon(self) -> None:
        socket_path(self.paths).parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pororoca_stack.supervisord_main", "-c", str(self.conf)], check=True)
        deadline = time.monotonic() + 30
        while not self.is_running():
            if time.monotonic() > deadline:
                raise OperationFailed(f"supervisord did not come up; see {self.paths.logs / 'supervisord.log'}")
            time.sleep(0.2)

    def reload(self) -> list[str]:
        """Apply a changed config file; returns the programs whose definition changed (now stopped)."""
        added, changed, removed = self.rpc.supervisor.reloadConfig()[0]
        for name in changed + removed:
            if self.info(name)["statename"] in RUNNING_STATES:
                self.rpc.supervisor.stopProcess(name, True)
            self.rpc.supervisor.removeProcessGroup(name)
        for name in added + changed:
            self.rpc.supervisor.addProcessGroup(name)
        return list(changed)

    def info(self, name: str) -> dict:
        return self.rpc.supervisor.getProcessInfo(name)

    def all_info(self) -> dict[str, dict]:
        try:
            return {p["name"]: p for p in self.rpc.supervisor.getAllProcessInfo()}
        except (OSError, HTTPException, xmlrpc.client.Fault):
            return {}

    def start(self, name: str) -> None:
        self.rpc.supervisor.startProcess(name, False)

    def stop(self, name: str) -> None:
        if self.info(name)["statename"] in RUNNING_STATES:
            self.rpc.supervisor.stopProcess(name, True)

    def shutdown(self) -> None:
        self.rpc.supervisor.shutdown()
