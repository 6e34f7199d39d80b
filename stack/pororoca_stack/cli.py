"""Handlers of `pororoca stack ...`, `pororoca credentials ...` and `pororoca cluster ...`: the local stack's
life cycle, its logins, and the one-off set-up steps a cluster runs as Jobs. Arguments are declared in
`pororoca.commands`; each handler takes the parsed arguments and the stack's paths and returns an exit code."""

from __future__ import annotations

import argparse
import os
import sys

from pororoca_core import credentials, manifest
from pororoca_core.errors import ExitCode, NotReady, UsageError
from pororoca_core.paths import Paths
from pororoca_stack import install, stack


def cmd_install(args: argparse.Namespace, paths: Paths) -> int:
    install.install(manifest.load(), paths, set(args.only.split(",")) if args.only else None)
    return ExitCode.OK


def cmd_up(args: argparse.Namespace, paths: Paths) -> int:
    install.install(manifest.load(), paths)
    stack.up(paths)
    return ExitCode.OK


def cmd_down(args: argparse.Namespace, paths: Paths) -> int:
    stack.down(paths)
    return ExitCode.OK


def cmd_status(args: argparse.Namespace, paths: Paths) -> int:
    rows = stack.status(paths)
    print(f"{'SERVICE':<9} {'STATE':<8} {'PID':>7} {'HEALTH':<9} {'PORTS':<12} {'RSS MB':>7}  DETAIL")
    for r in rows:
        health = "healthy" if r.healthy else "UNHEALTHY"
        pid = str(r.pid) if r.pid else "-"
        print(f"{r.service:<9} {r.state:<8} {pid:>7} {health:<9} {r.ports:<12} {r.rss_mb:>7.0f}  {r.detail}")
    total = sum(r.rss_mb for r in rows)
    print(f"{'total':<9} {'':<8} {'':>7} {'':<9} {'':<12} {total:>7.0f}")
    return ExitCode.OK if all(r.healthy for r in rows) else ExitCode.UNHEALTHY


def cmd_logs(args: argparse.Namespace, paths: Paths) -> int:
    log = paths.logs / f"{args.service}.log"
    if not log.exists():
        print(f"no log for {args.service!r} at {log}", file=sys.stderr)
        return ExitCode.FAILED
    tail = ["tail", "-n", str(args.lines), *(["-F"] if args.follow else []), str(log)]
    os.execvp(tail[0], tail)


def cmd_reset(args: argparse.Namespace, paths: Paths) -> int:
    if not args.yes:
        raise UsageError(f"reset deletes every database, table and topic under {paths.state}; re-run with --yes")
    stack.reset(paths)
    return ExitCode.OK


def cmd_doctor(args: argparse.Namespace, paths: Paths) -> int:
    from pororoca_stack import doctor

    return doctor.run(paths)


def cmd_smoke(args: argparse.Namespace, paths: Paths) -> int:
    from pororoca_stack import smoke

    return smoke.run(paths)


def cmd_urls(args: argparse.Namespace, paths: Paths) -> int:
    from pororoca_stack import way_in

    secrets = credentials.load(paths.credentials)
    eps = way_in.endpoints(way_in.port_map(), secrets, str(paths.trino_ca))
    print(f"Pororoca (state: {paths.state})")
    print(way_in.render(eps, secrets, str(paths.credentials)))
    return ExitCode.OK


def _logins(paths: Paths) -> tuple[dict[str, str], dict]:
    from pororoca_stack import way_in

    if not paths.credentials.exists():
        raise NotReady(f"no credentials yet at {paths.credentials}: `make up` generates them")
    secrets = credentials.load(paths.credentials)
    return secrets, way_in.logins(secrets)


def cmd_credentials_list(args: argparse.Namespace, paths: Paths) -> int:
    secrets, known = _logins(paths)
    for name, login in known.items():
        print(f"{name:<18} user {login.user_name(secrets) if not login.user.startswith('key:') else '(generated)'}")
    return ExitCode.OK


def cmd_credentials_show(args: argparse.Namespace, paths: Paths) -> int:
    secrets, known = _logins(paths)
    login = known.get(args.login)
    if login is None:
        print(f"no login {args.login!r}; one of: {', '.join(known)}", file=sys.stderr)
        return ExitCode.FAILED
    print(login.user_name(secrets) if args.user else secrets[login.password_key])
    return ExitCode.OK


def cmd_lakehouse_bucket(args: argparse.Namespace, paths: Paths) -> int:
    """In a cluster with the bundled MinIO: the lakehouse's and MLflow's buckets, each with its own key that may
    use that bucket and nothing else (as the local `up` does). The only step that holds MinIO's root key."""
    from urllib.parse import urlparse

    from pororoca_core import lakehouse
    from pororoca_core.object_store import ObjectStore
    from pororoca_stack.bootstrap import LAKEHOUSE_POLICY, MLFLOW_POLICY

    secrets = credentials.load(paths.credentials)
    if "minio_root_user" not in secrets:
        raise UsageError(f"{paths.credentials} holds no MinIO root key: this step needs the admin credentials")
    ep = lakehouse.Endpoints.of(paths)
    url = urlparse(ep.s3)
    store = ObjectStore(url.netloc, (secrets["minio_root_user"], secrets["minio_root_password"]), ep.region,
                        secure=url.scheme == "https")  # fmt: skip
    for bucket, policy, key in (
        (args.lakehouse, LAKEHOUSE_POLICY, (secrets["lakehouse_access_key"], secrets["lakehouse_secret_key"])),
        (args.mlflow, MLFLOW_POLICY, (secrets["mlflow_s3_access_key"], secrets["mlflow_s3_secret_key"])),
    ):
        created = store.bucket_with_key(bucket, policy, key)
        print(f"bucket {bucket}: {'created' if created else 'exists'}; its key may use it and nothing else")
    return ExitCode.OK


def cmd_mlflow_users(args: argparse.Namespace, paths: Paths) -> int:
    """In a cluster: MLflow's read-only `scorer` user, once the server answers (retried until the deadline)."""
    import time

    import requests

    from pororoca_core import credentials, services
    from pororoca_core.services import peer_host
    from pororoca_stack.bootstrap import ensure_mlflow_scorer

    secrets = credentials.load(paths.credentials)
    url = f"http://{peer_host('mlflow')}:{services.port_values(services.load())['mlflow_port']}"
    deadline = time.monotonic() + args.timeout
    while True:
        try:
            ensure_mlflow_scorer(url, secrets["mlflow_admin_password"], secrets["mlflow_scorer_password"])
            print(f"mlflow: the scorer user exists at {url}")
            return ExitCode.OK
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(3)


def cmd_kafka_principals(args: argparse.Namespace, paths: Paths) -> int:
    """In a cluster: the principals and ACLs of stack/kafka_principals.toml (the local `up` applies them itself)."""
    from pororoca_core import kafka_access, lakehouse

    done = kafka_access.apply(lakehouse.Endpoints.of(paths).kafka_bootstrap, credentials.load(paths.credentials))
    print(f"kafka principals: users created {done.users_created or 'none'}, ACLs added {done.acls_added}, "
          f"removed {done.acls_removed}")  # fmt: skip
    return ExitCode.OK


def cmd_iceberg_catalog(args: argparse.Namespace, paths: Paths) -> int:
    """In a cluster: the Iceberg catalog's database, engine roles and tables (the local `up` creates them itself)."""
    import psycopg

    from pororoca_core import services
    from pororoca_core.services import peer_host
    from pororoca_stack.bootstrap import apply_iceberg_catalog

    config = services.load()
    secrets = credentials.load(paths.credentials)
    port = services.port_values(config)["postgres_port"]

    def admin(dbname: str) -> psycopg.Connection:
        return psycopg.connect(host=peer_host("postgres"), port=port, user=args.admin_user, dbname=dbname,
                               password=secrets["postgres_superuser_password"], sslmode=args.sslmode,
                               autocommit=True, connect_timeout=10)  # fmt: skip

    roles = apply_iceberg_catalog(admin, config, secrets)
    print(f"iceberg catalog: database {config.catalog_database}, roles {', '.join(roles)}, tables and policies applied")
    return ExitCode.OK


def cmd_pipeline(args: argparse.Namespace, paths: Paths) -> int:
    """Curate then KPIs through Airflow's scheduler, then the headline."""
    from pororoca_stack import pipeline
    from pororoca_superset import show_headline

    pipeline.run(paths, args.timeout, args.pause)
    return show_headline(paths, None)


def cmd_sizing(args: argparse.Namespace, paths: Paths) -> int:
    """No stack needed: the plan is computed from the measured rates and the price table."""
    import dataclasses
    import json

    from pororoca_core.errors import UsageError
    from pororoca_stack import sizing

    prices = sizing.load_prices()
    if args.provider:
        wanted = args.provider.split(",")
        unknown = sorted(set(wanted) - set(prices))
        if unknown:
            raise UsageError(f"no prices for {', '.join(unknown)}: known {', '.join(sorted(prices))}")
        prices = {k: v for k, v in prices.items() if k in wanted}
    volume = sizing.Volume(args.transactions_per_day, args.peak_factor, args.retention_days)
    plan = sizing.plan(volume, sizing.Rates.load())
    if args.json:
        costs = {k: plan.monthly_cost(p) for k, p in prices.items()}
        doc = dataclasses.asdict(plan) | {"cores": plan.cores, "memory_gib": plan.memory_gib, "monthly_cost_usd": costs}
        print(json.dumps(doc, indent=2))
    else:
        print(sizing.render(plan, prices))
    return 0
