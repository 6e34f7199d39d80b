"""The `pororoca` command line: the front door to the local stack."""

from __future__ import annotations

import argparse
import os
import sys

from pororoca_cdc import cli as cdc_cli
from pororoca_cdc.connect import ConnectError
from pororoca_governance import cli as governance_cli
from pororoca_sources import cli as sources_cli
from pororoca_sources.load import LoadError
from pororoca_sources.migrate import MigrationError
from pororoca_spark import cli as spark_cli

from . import install as installer
from . import manifest, progress, stack
from .dashboards import ASSETS
from .paths import Paths


def cmd_install(args: argparse.Namespace, paths: Paths) -> int:
    installer.install(manifest.load(), paths, set(args.only.split(",")) if args.only else None)
    return 0


def cmd_up(args: argparse.Namespace, paths: Paths) -> int:
    installer.install(manifest.load(), paths)
    stack.up(paths)
    return 0


def cmd_down(args: argparse.Namespace, paths: Paths) -> int:
    stack.down(paths)
    return 0


def cmd_status(args: argparse.Namespace, paths: Paths) -> int:
    rows = stack.status(paths)
    print(f"{'SERVICE':<9} {'STATE':<8} {'PID':>7} {'HEALTH':<9} {'PORTS':<12} {'RSS MB':>7}  DETAIL")
    for r in rows:
        health = "healthy" if r.healthy else "UNHEALTHY"
        pid = str(r.pid) if r.pid else "-"
        print(f"{r.service:<9} {r.state:<8} {pid:>7} {health:<9} {r.ports:<12} {r.rss_mb:>7.0f}  {r.detail}")
    total = sum(r.rss_mb for r in rows)
    print(f"{'total':<9} {'':<8} {'':>7} {'':<9} {'':<12} {total:>7.0f}")
    return 0 if all(r.healthy for r in rows) else 3


def cmd_logs(args: argparse.Namespace, paths: Paths) -> int:
    log = paths.logs / f"{args.service}.log"
    if not log.exists():
        print(f"no log for {args.service!r} at {log}", file=sys.stderr)
        return 1
    tail = ["tail", "-n", str(args.lines), *(["-F"] if args.follow else []), str(log)]
    os.execvp(tail[0], tail)
    return 0  # not reached


def cmd_reset(args: argparse.Namespace, paths: Paths) -> int:
    if not args.yes:
        print(f"reset deletes every database, table and topic under {paths.state}; re-run with --yes", file=sys.stderr)
        return 2
    stack.reset(paths)
    return 0


def cmd_doctor(args: argparse.Namespace, paths: Paths) -> int:
    from . import doctor

    return doctor.run(paths)


def cmd_urls(args: argparse.Namespace, paths: Paths) -> int:
    from . import credentials, way_in

    secrets = credentials.load(paths.credentials)
    eps = way_in.endpoints(way_in.port_map(), secrets, str(paths.trino_ca))
    print(f"Pororoca (state: {paths.state})")
    print(way_in.render(eps, secrets, str(paths.credentials)))
    return 0


def cmd_credentials(args: argparse.Namespace, paths: Paths) -> int:
    from . import credentials, way_in

    if not paths.credentials.exists():
        print(f"no credentials yet at {paths.credentials}: `make up` generates them", file=sys.stderr)
        return 1
    secrets = credentials.load(paths.credentials)
    known = way_in.logins(secrets)
    if args.action == "list":
        for name, login in known.items():
            print(f"{name:<18} user {login.user_name(secrets) if not login.user.startswith('key:') else '(generated)'}")
        return 0
    login = known.get(args.login or "")
    if login is None:
        print(f"no login {args.login!r}; one of: {', '.join(known)}", file=sys.stderr)
        return 1
    print(login.user_name(secrets) if args.user else secrets[login.password_key])
    return 0


def cmd_smoke(args: argparse.Namespace, paths: Paths) -> int:
    from . import smoke

    return smoke.run(paths)


def cmd_lakehouse_bucket(args: argparse.Namespace, paths: Paths) -> int:
    """In a cluster: create the lakehouse bucket once the object store answers (the local `up` does it itself)."""
    from urllib.parse import urlparse

    from minio import Minio

    from . import lakehouse

    ep = lakehouse.Endpoints.of(paths)
    url = urlparse(ep.s3)
    client = Minio(url.netloc, access_key=ep.access_key, secret_key=ep.secret_key, secure=url.scheme == "https")
    if client.bucket_exists(args.bucket):
        print(f"bucket {args.bucket}: exists")
    else:
        client.make_bucket(args.bucket, location=ep.region)
        print(f"bucket {args.bucket}: created")
    return 0


def cmd_kafka_principals(args: argparse.Namespace, paths: Paths) -> int:
    """In a cluster: the principals and ACLs of stack/kafka_principals.toml (the local `up` applies them itself)."""
    from . import credentials, kafka_access, lakehouse

    done = kafka_access.apply(lakehouse.Endpoints.of(paths).kafka_bootstrap, credentials.load(paths.credentials))
    print(f"kafka principals: users created {done.users_created or 'none'}, ACLs added {done.acls_added}, "
          f"removed {done.acls_removed}")  # fmt: skip
    return 0


def cmd_pipeline(args: argparse.Namespace, paths: Paths) -> int:
    """Curate then KPIs through Airflow's scheduler (the KPI DAG runs on the silver asset event), then the
    headline. The DAGs stay unpaused afterwards (the 15-minute schedule is the product) unless --pause."""
    import time

    from pororoca_spark import headline

    from .airflow import Airflow

    af = Airflow.connect(paths)
    dags = ("pororoca_curate", "pororoca_kpis")
    for dag in dags:
        af.wait_for_dag(dag)
    for dag in dags:
        af.set_paused(dag, False)
    try:
        with progress.task("pipeline", total=2, unit="DAG runs") as bar:
            before = {r["dag_run_id"] for r in af.runs("pororoca_kpis")}
            run_id = af.trigger("pororoca_curate")
            bar.log(f"pipeline: triggered pororoca_curate {run_id}")

            def note(message: str) -> None:
                bar.update(note=message.strip())

            state = af.wait("pororoca_curate", run_id, args.timeout, log=note)["state"]
            bar.log(f"  pororoca_curate {run_id}: {state}")
            if state != "success":
                print(af.task_log("pororoca_curate", run_id, "curate")[-3000:], file=sys.stderr)
                raise RuntimeError(f"pororoca_curate {run_id} failed (log above; Airflow UI: {af.url})")
            bar.update(advance=1, note="waiting for the silver asset event to start pororoca_kpis")
            deadline = time.monotonic() + args.timeout
            while not (new := [r for r in af.runs("pororoca_kpis") if r["dag_run_id"] not in before]):
                if time.monotonic() > deadline:
                    raise RuntimeError("the silver asset event did not start pororoca_kpis")
                time.sleep(3)
            kpi_run = new[-1]["dag_run_id"]  # the oldest new run: the one this curation triggered
            state = af.wait("pororoca_kpis", kpi_run, args.timeout, log=note)["state"]
            bar.log(f"  pororoca_kpis {kpi_run}: {state}")
            if state != "success":
                print(af.task_log("pororoca_kpis", kpi_run, "kpis")[-3000:], file=sys.stderr)
                raise RuntimeError(f"pororoca_kpis {kpi_run} failed (log above; Airflow UI: {af.url})")
            bar.update(advance=1, note="done")
    finally:
        if args.pause:
            for dag in dags:
                af.set_paused(dag, True)
    return headline.show(paths, None)


def cmd_dashboards(args: argparse.Namespace, paths: Paths) -> int:
    """Superset's KPI dashboards as code: import `superset_dashboards/` (idempotent: assets are matched by
    UUID and overwritten) and give them to the Analyst role, or write Superset's current assets back."""
    from pathlib import Path

    from . import credentials, dashboards, services
    from .services import peer_host
    from .superset import Superset, sync_analyst_role

    root = Path(args.dir)
    secrets = credentials.load(paths.credentials)
    trino = dashboards.TrinoTarget(
        host=peer_host("trino"),
        port=services.port_values(services.load())["trino_port"],
        ca=str(paths.trino_ca) if paths.trino_ca.exists() else None,
        password=secrets.get("trino_superset_password"),
    )
    ss = Superset.connect(paths)
    if args.action == "export":
        assets = dashboards.from_bundle(ss.export_assets(), trino.address)
        changed = dashboards.write_dir(assets, root)
        print(f"dashboards: exported {len(assets)} assets to {root}; {len(changed)} file(s) changed")
        for rel in changed:
            print(f"  {rel}")
        return 0
    assets = dashboards.read_dir(root)
    if args.action == "check":
        return _check_dashboards(paths, ss.url, dashboards.chart_counts(assets))
    ss.import_assets(dashboards.to_bundle(assets, trino), dashboards.bundle_passwords(assets, trino))
    slugs = dashboards.dashboard_slugs(assets)
    print(f"dashboards: imported {len(assets)} assets ({', '.join(slugs)})")
    print(f"dashboards: {sync_analyst_role(ss, secrets['superset_analyst_password'], slugs)}")
    print(f"dashboards: open {ss.url}/dashboard/list/")
    return 0


def _check_dashboards(paths: Paths, url: str, counts: dict[str, int]) -> int:
    """Open every dashboard as the analyst in headless Chromium; a screenshot of each goes to the logs."""
    from . import credentials
    from .browser import DashboardBrowser

    password = credentials.load(paths.credentials)["superset_analyst_password"]
    failed = 0
    with (
        progress.task("dashboards check", total=len(counts), unit="dashboards") as bar,
        DashboardBrowser(url, "analyst", password) as browser,
    ):
        for slug, expected in counts.items():
            bar.update(note=slug)
            shot = paths.logs / "dashboards" / f"{slug}.png"
            r = browser.render(slug, expected, screenshot=shot)
            ink = f", {r.ink:.0%} drawn" if r.ink is not None else ""
            bar.log(f"dashboards: {slug}: {len(r.charts)} charts in {r.seconds:.2f}s ({shot}{ink})")
            for problem in r.problems:
                bar.log(f"  {problem}")
            failed += bool(r.problems)
            bar.update(advance=1)
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pororoca", description="Pororoca: the lakehouse for fintechs, on one machine.")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, func, help: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        sp.set_defaults(func=func)
        return sp

    inst = add("install", cmd_install, "install every component into the cache (idempotent, resumable)")
    inst.add_argument("--only", help="comma-separated component names (e.g. iceberg_sink,spark for an image build)")
    add("up", cmd_up, "install if needed, then start every service and wait until all are healthy")
    add("down", cmd_down, "stop every service gracefully; data is kept")
    add("status", cmd_status, "service, state, pid, health, ports and memory; exit 3 if any is unhealthy")
    logs = add("logs", cmd_logs, "show a service's log")
    logs.add_argument("service")
    logs.add_argument("-n", "--lines", type=int, default=100)
    logs.add_argument("-f", "--follow", action="store_true")
    reset = add("reset", cmd_reset, "stop everything and delete all state (databases, tables, topics, credentials)")
    reset.add_argument("--yes", action="store_true", help="really delete")
    add("doctor", cmd_doctor, "is this machine ready? prerequisites, JDKs, ports, memory, disk, directories, clock")
    add("urls", cmd_urls, "every UI and endpoint, who logs in there and the command that prints the password")
    cred = add("credentials", cmd_credentials, "list the generated logins, or print one password (never unasked)")
    cred.add_argument("action", choices=["list", "show"])
    cred.add_argument("login", nargs="?", help="e.g. superset-analyst, airflow-admin, trino-analyst, minio-root")
    cred.add_argument("--user", action="store_true", help="print the login's user name instead of its password")
    add("smoke", cmd_smoke, "write and read a table through every engine, then print where everything is")
    bucket = add("lakehouse-bucket", cmd_lakehouse_bucket, "create the lakehouse bucket if missing (cluster setup)")
    bucket.add_argument("--bucket", required=True)
    add("kafka-principals", cmd_kafka_principals, "create Kafka's SCRAM users and set their ACLs (cluster setup)")
    pipe = add("pipeline", cmd_pipeline, "run curation and the KPIs once through Airflow, then print the headline")
    pipe.add_argument("--timeout", type=float, default=1800, help="seconds to wait for each DAG run")
    pipe.add_argument("--pause", action="store_true", help="pause the DAGs again afterwards (tests)")
    dash = add(
        "dashboards", cmd_dashboards, "apply superset_dashboards/, export UI edits, or check every chart renders"
    )
    dash.add_argument("action", choices=["apply", "export", "check"])
    dash.add_argument("--dir", default=str(ASSETS), help="the assets directory")
    sources_cli.add_parser(sub)
    cdc_cli.add_parser(sub)
    spark_cli.add_parser(sub)
    governance_cli.add_parser(sub)
    governance_cli.add_lgpd_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args, Paths.from_env())
    except (
        installer.InstallError,
        stack.StackError,
        LoadError,
        MigrationError,
        ConnectError,
        ValueError,
        RuntimeError,
    ) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
