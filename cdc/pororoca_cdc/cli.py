"""Handlers of `pororoca cdc apply|status|wait|replay-dlq`. Arguments are declared in `pororoca.commands`."""

from __future__ import annotations

import argparse
import re
import socket
import time
from dataclasses import dataclass

from psycopg import sql

from pororoca_catalog import apply as apply_contracts
from pororoca_catalog import monitoring_contracts, stream_contracts
from pororoca_cdc import bronze, change_topics, connect, initial_snapshot, lag, prepare, replay, retention
from pororoca_core import credentials, lakehouse, progress, services
from pororoca_core.errors import ServiceUnreachable
from pororoca_core.paths import Paths
from pororoca_core.rows import scalar
from pororoca_sources import Sources


def connector_context() -> dict[str, str]:
    """What the connector definitions' `${...}` placeholders are filled from (this stack's hosts and ports)."""
    config = services.load()
    ports = services.port_values(config)
    return {
        "host": services.HOST,
        **{f"{name}_host": services.peer_host(name) for name in config.services},
        "s3_endpoint": services.s3_endpoint(ports),
        "lakehouse.bucket": config.bucket,
        "lakehouse.region": config.region,
        "catalog_database": config.catalog_database,
        **{k: str(v) for k, v in ports.items()},
    }


@dataclass(frozen=True)
class _Capture:
    """What every cdc command needs, read once: the rendering context, the endpoints and Connect's API."""

    ctx: dict[str, str]
    ep: lakehouse.Endpoints
    api: connect.Api

    @property
    def kafka(self) -> dict[str, str]:
        return self.ep.kafka


def _capture(paths: Paths) -> _Capture:
    """Fail fast and say what to do, instead of Kafka clients retrying a closed port for minutes."""
    ctx = connector_context()
    for name in ("kafka", "connect"):
        host, port = ctx[f"{name}_host"], int(ctx[f"{name}_port"])
        with socket.socket() as s:
            s.settimeout(2)
            if s.connect_ex((host, port)) != 0:
                raise ServiceUnreachable(name, f"{host}:{port}")
    ep = lakehouse.Endpoints.of(paths)
    return _Capture(ctx, ep, connect.Api(f"http://{ctx['connect_host']}:{ctx['connect_port']}", ep.connect_auth))


def _is_sink(c: connect.Connector) -> bool:
    return "errors.deadletterqueue.topic.name" in c.config


def _is_cdc_sink(c: connect.Connector) -> bool:
    """A sink landing captured changes in bronze (not the access-audit sink, busy whenever Trino is)."""
    return _is_sink(c) and c.config.get("iceberg.tables.auto-create-props.pororoca.layer") == "bronze"


def cmd_apply(args: argparse.Namespace, paths: Paths) -> int:
    cap = _capture(paths)
    ctx, api = cap.ctx, cap.api
    connectors = connect.definitions(ctx)
    sources = Sources.of(paths)
    for c in connectors:
        if c.config["connector.class"].endswith("PostgresConnector"):
            with sources.core(autocommit=True) as conn:
                for change in prepare.prepare_postgres(conn, c.config):
                    print(f"  {c.name}: {change}")
        elif c.config["connector.class"].endswith("MariaDbConnector"):
            conn = sources.acquiring()
            with conn, conn.cursor() as cur:
                prepare.check_mariadb_row_image(cur)
            print(f"  {c.name}: binlog is ROW with FULL row images")
    # Bronze tables exist, partitioned and typed by contract, before any sink writes.
    catalog = lakehouse.iceberg_catalog(cap.ep, "contracts")
    # So do the tables the fraud path's sink lands (gold.fraud_*, audit.fraud_api): it converts by their schema;
    # and the fraud model's monitoring tables, so its dashboard reads empty tables rather than missing ones.
    captured_contracts = bronze.bronze_contracts(connectors, sources)
    outcomes = apply_contracts(catalog, [*captured_contracts, *stream_contracts(), *monitoring_contracts()])
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.action] = counts.get(o.action, 0) + 1
        if o.action != "unchanged":
            print(f"  {o.identifier:<40} {o.action} {o.detail}")
    print("  bronze and stream tables: " + ", ".join(f"{n} {a}" for a, n in sorted(counts.items())))
    captured = [
        t.properties["pororoca.source-topic"] for t in captured_contracts if "pororoca.source-topic" in t.properties
    ]
    for c in connectors:
        if "topic.prefix" in c.config and bronze.captured_source(c) is not None:
            mine = [t for t in captured if t.startswith(c.config["topic.prefix"] + ".")]
            created = change_topics.ensure(cap.kafka, mine, c.config)
            if created:
                print(f"  {c.name}: created {len(created)} change topic(s) before their first change")
    # Sinks first: their topics and tables exist already, and an updated sink must read what its updated source
    # writes (from the first record on) before that source starts.
    # A source new to Connect takes its initial snapshot (in bulk when it can) before it streams.
    new = initial_snapshot.pending(api, [c for c in connectors if bronze.captured_source(c) is not None], print)
    for c in sorted(connectors, key=lambda c: not _is_sink(c)):
        if c in new:
            continue
        action = connect.apply_one(api, c)
        connect.wait_running(api, c.name, args.timeout)
        print(f"  {c.name:<20} {action:<9} RUNNING")
    if new:
        secrets = credentials.load(paths.credentials)
        initial_snapshot.start(api, cap.kafka, new, catalog, secrets, args.initial_snapshot, args.timeout, print)
        for c in new:
            connect.wait_running(api, c.name, args.timeout)
            print(f"  {c.name:<20} {'created':<9} RUNNING")
    kafka = cap.kafka
    for c in connectors:
        if "topic.creation.default.retention.ms" in c.config:
            wanted = c.config["topic.creation.default.retention.ms"]
            changed = retention.align(kafka, c.config["topic.prefix"] + ".", wanted)
            if changed:
                days = int(wanted) / 86_400_000
                print(f"  {c.name}: retention of {len(changed)} existing topic(s) set to {days:g} days")
    return 0


def cmd_status(args: argparse.Namespace, paths: Paths) -> int:
    cap = _capture(paths)
    ctx = cap.ctx
    rows = connect.status(cap.api)
    if not rows:
        print("no connectors: run `pororoca cdc apply`")
        return 3
    kafka = cap.kafka
    sinks = {c.name: c for c in connect.definitions(ctx) if _is_sink(c)}
    healthy = True
    for r in rows:
        extra = ""
        if r.name in sinks:
            behind = lag.sink_lag(kafka, r.name, sinks[r.name].topics_pattern)
            dead = lag.dead_letters(kafka, sinks[r.name].config["errors.deadletterqueue.topic.name"])
            extra = f"  lag: {behind.records} records  dead letters: {dead.total} ({dead.pending} not replayed)"
            healthy &= dead.pending == 0
        topics = behind.topics if r.name in sinks else len(r.topics)
        print(f"{r.name:<20} {r.type:<7} {r.state:<8} topics: {topics}{extra}")
        for task_id, state, error in r.tasks:
            healthy &= state == "RUNNING"
            print(f"    task {task_id}: {state}{'  ' + error if error else ''}")
        healthy &= r.state == "RUNNING"
    not_full = _tables_without_full_identity(paths, connect.definitions(ctx))
    if not_full:
        print(f"warning: {len(not_full)} captured table(s) without REPLICA IDENTITY FULL ({', '.join(not_full)}): "
              "their deletes carry only the key and large unchanged values arrive as a placeholder; "
              "`pororoca cdc apply` sets it")  # fmt: skip
    return 0 if healthy else 3


def _tables_without_full_identity(paths: Paths, connectors: list) -> list[str]:
    out = []
    for c in connectors:
        if c.config["connector.class"].endswith("PostgresConnector"):
            excluded = set(filter(None, c.config.get("table.exclude.list", "").split(",")))
            with Sources.of(paths).core() as conn:
                tables = prepare.captured_tables(conn, excluded)
                out += sorted(t for t, ident in prepare.replica_identities(conn, tables).items() if ident != "f")
    return out


def cmd_wait(args: argparse.Namespace, paths: Paths) -> int:
    """Caught up = no source still snapshotting (its offset carries no `snapshot` flag) and no sink behind
    (the sink commits its consumer offsets only with the Iceberg commit), twice in a row."""
    cap = _capture(paths)
    ctx, api, kafka = cap.ctx, cap.api, cap.kafka
    connectors = connect.definitions(ctx)
    deadline = time.monotonic() + args.timeout
    started, steady = time.monotonic(), 0
    expected = _source_rows(Sources.of(paths))  # what an initial snapshot has to bring
    # A heartbeat row every 10 s is not a change anyone waits for: counted, it kept the backlog from reading 0
    # twice in a row for up to a minute with bronze complete.
    heartbeats = frozenset(t for c in connectors if (t := heartbeat_topic(c)))
    with progress.task("cdc wait", unit="changes in bronze") as bar:
        while True:
            snapshotting = [c.name for c in connectors if not _is_sink(c) and connect.snapshotting(api, c.name)]
            lags = {c.name: lag.sink_lag(kafka, c.name, c.topics_pattern, heartbeats)
                    for c in connectors if _is_cdc_sink(c)}  # fmt: skip
            behind = {name: x.records for name, x in lags.items()}
            backlog, landed = sum(behind.values()), sum(x.landed for x in lags.values())
            steady = steady + 1 if not snapshotting and not backlog else 0
            if steady >= 2:
                bar.close(f"cdc wait: bronze has every change ({time.monotonic() - started:.0f}s)")
                return 0
            if time.monotonic() > deadline:
                bar.close(f"cdc wait: not caught up after {args.timeout:.0f}s: snapshotting {snapshotting}, "
                          f"behind {behind}")  # fmt: skip
                return 3
            total = max(landed + backlog, expected if snapshotting else 0)
            note = f"snapshotting: {', '.join(snapshotting) or 'none'}; not yet in bronze: {backlog:,}"
            bar.update(done=landed, total=total or None, note=note)
            # Each look is a few loopback calls; looking every 5 s made `cdc wait` return up to 10 s after bronze
            # was complete (a fifth of a bulk snapshot's hand-off at scale 10).
            time.sleep(1)


def heartbeat_topic(c: connect.Connector) -> str | None:
    """The change topic of the table a source's heartbeat query writes to (`heartbeat.action.query`)."""
    found = re.search(r"INSERT INTO (\w+)", c.config.get("heartbeat.action.query", ""), re.IGNORECASE)
    source = bronze.captured_source(c)
    return source.topic(found.group(1)) if found and source else None


def _source_rows(sources: Sources) -> int:
    """Rows in the captured source tables now (exact counts: a few hundred ms at scale 1)."""
    total = 0
    with sources.core() as conn:
        tables = [t for (t,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        for t in tables:
            total += scalar(conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone())
    acq = sources.acquiring()
    with acq, acq.cursor() as cur:
        cur.execute("SHOW TABLES")
        for (t,) in cur.fetchall():
            cur.execute(f"SELECT count(*) FROM `{t}`")
            total += scalar(cur.fetchone())
    return total


def cmd_replay(args: argparse.Namespace, paths: Paths) -> int:
    cap = _capture(paths)
    ctx, kafka = cap.ctx, cap.kafka
    sinks = [c for c in connect.definitions(ctx) if _is_sink(c)]
    if args.connector:
        sinks = [c for c in sinks if c.name == args.connector]
        if not sinks:
            raise connect.ConnectError(f"no sink connector named {args.connector} in cdc/connectors")
    for c in sinks:
        done = replay.replay(kafka, c.config["errors.deadletterqueue.topic.name"], dry_run=args.dry_run)
        verb = "would replay" if args.dry_run else "replayed"
        targets = ", ".join(f"{t}: {n}" for t, n in sorted(done.to_topics.items())) or "-"
        print(f"  {done.dead_letter_topic:<24} {verb} {done.records} records ({targets})")
    return 0
