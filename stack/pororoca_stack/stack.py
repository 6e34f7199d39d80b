"""`up`, `down`, `status`, `logs`, `reset`: the local stack's life cycle on top of supervisord."""

from __future__ import annotations

import os
import pwd
import shutil
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil

from pororoca_core import credentials, health, jdk, manifest, progress, services
from pororoca_core.errors import OperationFailed
from pororoca_core.paths import Paths
from pororoca_core.render import render
from pororoca_core.services import HOST, RenderedService, StackConfig
from pororoca_stack import bootstrap, install
from pororoca_stack.supervisor import RUNNING_STATES, Supervisor, config_text

START_TIMEOUT = 240.0


class StackError(OperationFailed):
    pass


@dataclass
class Stack:
    paths: Paths
    config: StackConfig
    manifest: manifest.Manifest
    secrets: dict[str, str]
    values: dict[str, str]
    rendered: dict[str, RenderedService]
    run_as: dict[str, str]

    @classmethod
    def load(cls, paths: Paths, jdks: dict[int, Path] | None = None) -> Stack:
        config = services.load()
        man = manifest.load()
        if jdks is None:  # status, down, logs: use what is installed, never install
            jdks = jdk.find_jdks(man, paths)
        paths.state.mkdir(parents=True, exist_ok=True)
        paths.state.chmod(0o711)  # traversable by the unprivileged PostgreSQL user, not listable
        secrets = credentials.ensure(paths.credentials, config.secret_names())
        values = services.base_context(config, man, paths, secrets, jdks)
        rendered = {
            name: services.rendered(svc, services.service_context(values, svc, paths))
            for name, svc in config.services.items()
        }
        as_root = os.geteuid() == 0
        run_as = {n: s.run_as for n, s in config.services.items() if s.run_as and as_root}
        return cls(paths, config, man, secrets, values, rendered, run_as)

    @property
    def order(self) -> list[str]:
        return services.start_order(self.config.services)

    def hook_ctx(self) -> bootstrap.Ctx:
        return bootstrap.Ctx(self.paths, self.config, self.secrets, self.values, self.run_as)

    # -- rendering ---------------------------------------------------------------------------------
    def write_configs(self) -> None:
        for d in (self.paths.conf, self.paths.logs, self.paths.data):
            d.mkdir(parents=True, exist_ok=True)
            _make_private(d)
        # Services running as their own system user (PostgreSQL, MariaDB) pass through these to their own
        # directories: traversable, not listable.
        for d in (self.paths.conf, self.paths.data):
            d.chmod(0o711)
        for name, svc in self.config.services.items():
            ctx = services.service_context(self.values, svc, self.paths)
            out_dir = self.paths.conf / name
            out_dir.mkdir(parents=True, exist_ok=True)
            data_dir = self.paths.data / name
            data_dir.mkdir(parents=True, exist_ok=True)
            for tpl in services.conf_templates(svc):
                rel = tpl.relative_to(services.CONF_TEMPLATES / name)
                target = out_dir / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(render(tpl.read_text(), ctx, str(tpl)))
                target.chmod(0o600)
            if name in self.run_as:
                pw = pwd.getpwnam(self.run_as[name])
                for p in (out_dir, *out_dir.rglob("*"), data_dir):
                    os.chown(p, pw.pw_uid, pw.pw_gid)
        conf = self.paths.state / "supervisord.conf"
        text = config_text(self.paths, [self.rendered[n] for n in self.order], self.run_as)
        fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)

    # -- queries -----------------------------------------------------------------------------------
    def probe(self, name: str) -> health.Health:
        return health.probe(self.rendered[name].health, HOST)

    def log_tail(self, name: str, lines: int = 30) -> str:
        log = self.paths.logs / f"{name}.log"
        if not log.exists():
            return f"(no log at {log})"
        with log.open(errors="replace") as f:
            # Java stack frames drown the message that matters; keep the lines that say something.
            return "".join(deque((line for line in f if not line.lstrip().startswith("at ")), maxlen=lines))

    def ports_of(self, name: str) -> list[tuple[str, int]]:
        svc = self.config.services[name]
        return [(p.setting, int(self.values[svc.port_key(p)])) for p in svc.ports]


def _make_private(root: Path) -> None:
    """Take group and other permissions off everything under `root` (state written before the supervisor's
    umask was 077 included); owners are untouched."""
    for p in (root, *root.rglob("*")):
        try:
            mode = p.lstat().st_mode
            if mode & 0o077 and not p.is_symlink():
                p.chmod(mode & 0o7700)
        except FileNotFoundError:
            continue  # a service removed it meanwhile


def start_verdict(statename: str, healthy: bool) -> str:
    """Where a service being started stands: healthy, starting (supervisord's BACKOFF is it retrying a crash
    within `startsecs` by itself), exited (ran, then stopped before turning healthy), or failed (supervisord gave
    up: FATAL)."""
    if statename == "RUNNING" and healthy:
        return "healthy"
    if statename in {"STARTING", "BACKOFF", "RUNNING"}:
        return "starting"
    return "exited" if statename in {"EXITED", "STOPPED"} else "failed"


def _fail(stack: Stack, name: str, why: str) -> StackError:
    log = stack.paths.logs / f"{name}.log"
    return StackError(f"{name} failed to start: {why}\n--- last lines of {log} ---\n{stack.log_tail(name)}")


def up(paths: Paths) -> Stack:
    t0 = time.monotonic()
    jdks = install.ensure_jdks(manifest.load(), paths)
    stack = Stack.load(paths, jdks)
    stack.write_configs()
    sup = Supervisor(paths)
    if sup.is_running():
        changed = sup.reload()
        if changed:
            print(f"up: configuration changed for {', '.join(changed)}; restarting them")
    else:
        sup.start_daemon()
    # Independent services start together (JVM start-up is mostly waiting); dependents wait for health.
    with progress.task("up", total=len(stack.order), unit="services healthy") as bar:
        for wave in services.start_waves(stack.config.services):
            bar.update(note=f"starting {', '.join(wave)}")
            with ThreadPoolExecutor(max_workers=len(wave)) as pool:
                for future in [pool.submit(_start_one, stack, sup, name, bar.log) for name in wave]:
                    future.result()
                    bar.update(advance=1)
    print(f"up: all {len(stack.order)} services healthy in {time.monotonic() - t0:.1f}s")
    return stack


def _start_one(stack: Stack, sup: Supervisor, name: str, say=print) -> None:
    info = sup.info(name)
    ctx = stack.hook_ctx()
    if info["statename"] == "RUNNING" and stack.probe(name).ok:
        for hook in bootstrap.AFTER_HEALTHY.get(name, []):
            hook(ctx)  # idempotent: re-applies what a previous, interrupted `up` may have missed
        say(f"  {name:<9} already running (pid {info['pid']})")
        return
    if info["statename"] == "RUNNING" and bootstrap.REPAIR.get(name) and _repaired(stack, name, ctx, say):
        return
    if info["statename"] in RUNNING_STATES:
        sup.stop(name)  # running but unhealthy: restart it cleanly
    for setting, port in stack.ports_of(name):
        if not health.port_is_free(HOST, port):
            raise StackError(
                f"{name}: port {HOST}:{port} is already in use by another program; "
                f"set {setting} to a free port (e.g. `export {setting}={port + 1000}`) and run `up` again"
            )
    for hook in bootstrap.BEFORE_START.get(name, []):
        hook(ctx)
    t = time.monotonic()
    sup.start(name)
    deadline = t + START_TIMEOUT
    last = health.Health(False, "not probed yet")
    second_chance = True
    while time.monotonic() < deadline:
        state = sup.info(name)
        last = stack.probe(name)
        verdict = start_verdict(state["statename"], last.ok)
        if verdict == "healthy":
            break
        if verdict == "exited" and second_chance:
            # An upstream server can crash once while starting (MinIO has, loading its IAM policies): one more
            # start, with the crash shown, before `up` gives up.
            second_chance = False
            say(f"  {name:<9} exited while starting ({state['description']}); starting it once more. Its log:")
            say(stack.log_tail(name))
            sup.start(name)
        elif verdict != "starting":
            raise _fail(stack, name, f"process {state['statename']} ({state.get('spawnerr') or state['description']})")
        time.sleep(0.5)
    else:
        raise _fail(stack, name, f"not healthy after {START_TIMEOUT:.0f}s ({last.detail})")
    for hook in bootstrap.AFTER_HEALTHY.get(name, []):
        hook(ctx)
    say(f"  {name:<9} healthy in {time.monotonic() - t:5.1f}s")


def _repaired(stack: Stack, name: str, ctx: bootstrap.Ctx, say=print, timeout: float = 90.0) -> bool:
    """Run the service's repair hooks, then give it `timeout` to turn healthy."""
    why = stack.probe(name).detail
    say(f"  {name:<9} running but unhealthy ({why}); repairing")
    try:
        for hook in bootstrap.REPAIR[name]:
            hook(ctx)
    except (OperationFailed, OSError, ValueError) as e:
        say(f"  {name:<9} repair failed ({e}); restarting it")
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.probe(name).ok:
            for hook in bootstrap.AFTER_HEALTHY.get(name, []):
                hook(ctx)
            say(f"  {name:<9} repaired")
            return True
        time.sleep(1)
    say(f"  {name:<9} still unhealthy after repair ({stack.probe(name).detail}); restarting it")
    return False


def down(paths: Paths) -> None:
    sup = Supervisor(paths)
    if not sup.is_running():
        print("down: nothing is running")
        return
    stack = Stack.load(paths)
    for name in reversed(stack.order):
        if name in sup.all_info():
            t = time.monotonic()
            sup.stop(name)
            print(f"  {name:<9} stopped in {time.monotonic() - t:.1f}s")
    sup.shutdown()
    deadline = time.monotonic() + 30
    while sup.is_running() and time.monotonic() < deadline:
        time.sleep(0.2)
    print("down: stopped; data kept in", paths.state)


@dataclass(frozen=True)
class Row:
    service: str
    state: str
    pid: int
    healthy: bool
    detail: str
    ports: str
    rss_mb: float


def _rss_mb(pid: int) -> float:
    try:
        proc = psutil.Process(pid)
        tree = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0.0
    return sum(_rss_or_zero(p) for p in tree) / 2**20


def _rss_or_zero(proc: psutil.Process) -> int:
    # Schedulers and parsers fork short-lived children: one that exits between listing and reading
    # must not zero the whole tree.
    try:
        return int(proc.memory_info().rss)
    except psutil.Error:
        return 0


def status(paths: Paths) -> list[Row]:
    stack = Stack.load(paths)
    infos = Supervisor(paths).all_info()
    rows = []
    for name in stack.order:
        info = infos.get(name, {})
        state = info.get("statename", "DOWN")
        pid = info.get("pid", 0) if state == "RUNNING" else 0
        h = stack.probe(name) if state == "RUNNING" else health.Health(False, "not running")
        ports = ",".join(str(p) for _, p in stack.ports_of(name))
        rows.append(Row(name, state, pid, h.ok, h.detail, ports, _rss_mb(pid) if pid else 0.0))
    return rows


def reset(paths: Paths) -> None:
    down(paths)
    if paths.state.exists():
        shutil.rmtree(paths.state)
    print(f"reset: removed {paths.state} (installs in {paths.cache} are kept)")
