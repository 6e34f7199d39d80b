"""Every command of the `pororoca` CLI, as data: noun, then verb, each verb with its own options and help.

The parser is built from this table without importing any feature package; a verb's handler
("module:function", called with the parsed arguments and the stack's paths) is imported only when it runs,
so `pororoca stack status` loads neither Kafka, pyiceberg, Spark nor Faker. `alias` keeps a verb reachable
under its old top-level name (the DAGs, the chart and muscle memory call `pororoca up`, `pororoca curate`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pororoca.argtypes import comma_list, iso_date, iso_date_text, positive_float


@dataclass(frozen=True)
class Arg:
    flags: tuple[str, ...]
    options: Mapping[str, Any] = field(default_factory=dict)


def arg(*flags: str, **options: Any) -> Arg:
    return Arg(flags, options)


@dataclass(frozen=True)
class Verb:
    name: str
    help: str
    handler: str
    args: tuple[Arg, ...] = ()
    alias: str | None = None


@dataclass(frozen=True)
class Noun:
    name: str
    help: str
    verbs: tuple[Verb, ...]


STACK = "pororoca_stack.cli"
SUPERSET = "pororoca_superset.cli"
SPARK = "pororoca_spark.cli"
GOV = "pororoca_governance.cli"
FRAUD = "pororoca_fraud.cli"
FEEDS = "pororoca_feeds.cli"
MONITOR_DAYS = (
    arg("--date", help="the last day (ISO date, America/Sao_Paulo; default: today)"),
    arg("--days", type=int, default=1, help="how many days up to --date (default 1)"),
)
METADATA = "pororoca_metadata.cli"

SUBJECT = (
    arg("--cpf", help="the subject's CPF (with or without punctuation)"),
    arg("--customer-id", type=int, help="or the subject's customer id"),
)
CLASSIFICATION = arg("--classification", help="the classification file (default: governance/lgpd/classification.toml)")
ASSETS_DIR = arg("--dir", help="the assets directory (default: superset_dashboards/)")
RUN_ID = arg("--run-id", help="the control-table key (Airflow passes its run id; default: manual__<time>_<id>)")

NOUNS: tuple[Noun, ...] = (
    Noun("stack", "the local stack: install, start, stop, status, logs, reset, doctor, urls, smoke", (
        Verb("install", "install every component into the cache (idempotent, resumable)", f"{STACK}:cmd_install", (
            arg("--only", help="comma-separated component names (e.g. iceberg_sink,spark for an image build)"),
        ), alias="install"),
        Verb("up", "install if needed, then start every service and wait until all are healthy",
             f"{STACK}:cmd_up", alias="up"),
        Verb("down", "stop every service gracefully; data is kept", f"{STACK}:cmd_down", alias="down"),
        Verb("status", "service, state, pid, health, ports and memory; exit 3 if any is unhealthy",
             f"{STACK}:cmd_status", alias="status"),
        Verb("logs", "show a service's log", f"{STACK}:cmd_logs", (
            arg("service", help="a service name, as `pororoca stack status` lists them"),
            arg("-n", "--lines", type=int, default=100, help="how many lines from the end (default 100)"),
            arg("-f", "--follow", action="store_true", help="keep printing what is appended"),
        ), alias="logs"),
        Verb("reset", "stop everything and delete all state (databases, tables, topics, credentials)",
             f"{STACK}:cmd_reset", (arg("--yes", action="store_true", help="really delete"),), alias="reset"),
        Verb("doctor", "is this machine ready? prerequisites, JDKs, ports, memory, disk, directories, clock",
             f"{STACK}:cmd_doctor", alias="doctor"),
        Verb("urls", "every UI and endpoint, who logs in there and the command that prints the password",
             f"{STACK}:cmd_urls", alias="urls"),
        Verb("smoke", "write and read a table through every engine, then print where everything is",
             f"{STACK}:cmd_smoke", alias="smoke"),
        Verb("sizing", "cores, memory, storage and monthly cost of a production install for a volume "
             "(docs/sizing.md)", f"{STACK}:cmd_sizing", (
            arg("--transactions-per-day", type=positive_float, required=True, help="e.g. 500e6 (seed 000)"),
            arg("--peak-factor", type=positive_float, default=3.0, help="peak over the day's average (default 3)"),
            arg("--retention-days", type=int, default=365, help="days the lake keeps (default 365)"),
            arg("--provider", type=comma_list, help="price only these of stack/sizing/prices.toml (default: all)"),
            arg("--json", action="store_true", help="print the plan and costs as JSON"),
        ), alias="sizing"),
    )),
    Noun("credentials", "the generated logins: list them, or print one password (never unasked)", (
        Verb("list", "every login and its user name (no password)", f"{STACK}:cmd_credentials_list"),
        Verb("show", "print one login's password (or its user name)", f"{STACK}:cmd_credentials_show", (
            arg("login", help="e.g. superset-analyst, airflow-admin, trino-analyst, minio-root"),
            arg("--user", action="store_true", help="print the login's user name instead of its password"),
        )),
    )),
    Noun("sources", "the fintech source databases: migrate, load, simulate", (
        Verb("migrate", "apply pending schema migrations to `core` and `acquiring`",
             "pororoca_sources.cli:cmd_migrate"),
        Verb("load", "migrate, then load the generated data set (deterministic for a seed)",
             "pororoca_sources.cli:cmd_load", (
            arg("--scale", type=positive_float, default=1.0, help="1 = the volumes of seed 002 (default)"),
            arg("--seed", type=int, default=42, help="the generator's seed (default 42)"),
            arg("--as-of", type=iso_date, default=None, help="the last day of history (default: today, UTC)"),
            arg("--reset", action="store_true", help="replace data already in the source databases"),
        )),
        Verb("simulate", "live inserts, updates and deletes at a target rate", "pororoca_sources.cli:cmd_simulate", (
            arg("--rate", type=positive_float, default=200.0, help="row changes per second (default 200)"),
            arg("--duration", type=positive_float, default=60.0, help="seconds (default 60)"),
            arg("--seed", type=int, default=7, help="the workload's seed (default 7)"),
            arg("--json", action="store_true", help="print the summary as JSON"),
            arg("--heartbeat-file", type=Path,
                help="touch this file at every progress report (a liveness signal for probes)"),
        )),
        Verb("drop", "drop an example partner file into the landing zone with the partner's write-only key",
             f"{FEEDS}:cmd_drop", (
            arg("--feed", required=True, help="the feed's name (`pororoca feeds list`)"),
            arg("--rows", type=int, default=1000, help="how many rows (default 1000)"),
            arg("--bad-rows", type=int, default=0, help="how many rows break the contract (default 0)"),
            arg("--corrupt", action="store_true", help="damage the file (truncated, or the wrong encoding)"),
            arg("--name", help="the file's name in the landing zone (default: <feed>_<day>_<random>.<format>)"),
            arg("--day", type=iso_date, help="the file's business day (default: today)"),
            arg("--seed", type=int, default=1, help="the generator's seed (default 1)"),
        )),
    )),
    Noun("cdc", "change data capture: connectors and bronze tables as code", (
        Verb("apply", "prepare the sources, create the bronze tables, create or update every connector in "
             "cdc/connectors and wait until each runs", "pororoca_cdc.cli:cmd_apply", (
            arg("--timeout", type=positive_float, default=180.0,
                help="seconds to wait for each connector (default 180)"),
            arg("--initial-snapshot", choices=("bulk", "debezium"), default="bulk",
                help="how a source new to Connect is first read: straight from the source into bronze, then "
                     "streamed from that point (bulk, the default), or through Debezium and Kafka"),
        )),
        Verb("status", "connectors, tasks, errors, consumer lag and dead letters; exit 3 when not all is well",
             "pororoca_cdc.cli:cmd_status"),
        Verb("wait", "wait until every source finished its snapshot and every change is committed to bronze",
             "pororoca_cdc.cli:cmd_wait", (arg("--timeout", type=positive_float, default=900.0,
                                               help="seconds (default 900)"),)),
        Verb("replay-dlq", "put dead-lettered records back on their topics (after fixing the cause)",
             "pororoca_cdc.cli:cmd_replay", (
            arg("--connector", help="only this sink's dead-letter topic"),
            arg("--dry-run", action="store_true", help="count what would be replayed, change nothing"),
        )),
    )),
    Noun("jobs", "the lakehouse jobs: curate, KPIs, maintenance, headline, and the whole pipeline via Airflow", (
        Verb("curate", "merge the new part of every bronze change log into silver (incremental)",
             f"{SPARK}:cmd_curate", (
            arg("--tables", type=comma_list,
                help="comma-separated silver tables (default: all of spark_apps/silver.toml)"),
            arg("--full", action="store_true", help="ignore the watermarks and re-read all of bronze"),
            RUN_ID,
            arg("--repair-unavailable", action="store_true",
                help="put back real values where an older curation stored Debezium's unavailable-value placeholder"),
            arg("--wait", type=float, default=1800, help="seconds to wait for a running curation (1800)"),
            arg("--follow", type=positive_float, metavar="MINUTES",
                help="stay up MINUTES and merge what bronze receives in rounds, back to back (near-real-time silver)"),
            arg("--every", type=positive_float, default=10.0,
                help="with --follow: seconds between the starts of two rounds when there is little to do (10)"),
            arg("--compact-above", type=int, default=64, metavar="FILES",
                help="with --follow: at the end, compact the tables merged into that hold more files than this (64)"),
        ), alias="curate"),
        Verb("kpis", "compute the gold KPI tables for a reference date", f"{SPARK}:cmd_kpis", (
            arg("--date", type=iso_date_text,
                help="reference date D, YYYY-MM-DD (default: today in America/Sao_Paulo)"),
            RUN_ID,
        ), alias="kpis"),
        Verb("maintain", "compact, rewrite manifests, expire snapshots and remove orphan files",
             f"{SPARK}:cmd_maintain", (
            arg("--namespaces", type=comma_list, default="bronze,silver,silver_pii,gold",
                help="the namespaces to maintain (default: bronze,silver,silver_pii,gold)"),
            arg("--retain-hours", type=float,
                help="keep snapshots this recent in every layer (default: each layer's time-travel window, "
                "spark_apps/retention.toml)"),
            arg("--orphan-hours", type=float, default=72.0,
                help="only remove unreferenced files older than this (default 72)"),
            arg("--dry-run", action="store_true", help="print what would be done"),
        ), alias="maintain"),
        Verb("headline", "print the headline KPIs from gold", f"{SUPERSET}:cmd_headline", (
            arg("--date", type=iso_date_text, help="reference date (default: the newest in gold)"),
        ), alias="headline"),
        Verb("pipeline", "run curation and the KPIs once through Airflow, then print the headline",
             f"{STACK}:cmd_pipeline", (
            arg("--timeout", type=positive_float, default=1800.0, help="seconds to wait for each DAG run"),
            arg("--pause", action="store_true", help="pause the DAGs again afterwards (tests)"),
        ), alias="pipeline"),
    )),
    Noun("lakehouse", "the lake's tables through time: roll a table back to an earlier snapshot", (
        Verb("rollback", "make an earlier snapshot of a table current again (shows the plan; changes nothing "
             "without --yes); recorded in gold.pipeline_runs", f"{SPARK}:cmd_rollback", (
            arg("table", help="namespace.table, e.g. silver.pix_transfers"),
            arg("--to", required=True,
                help="a snapshot id (Trino: SELECT * FROM \"<table>$snapshots\") or an ISO timestamp with its "
                "offset, e.g. 2026-12-02T10:15:00-03:00 (the snapshot current then)"),
            arg("--yes", action="store_true", help="really roll back"),
            RUN_ID,
        )),
    )),
    Noun("governance", "compile the LGPD classification into Trino's users, groups and access rules (no restart)", (
        Verb("sync", "write Trino's password, group and rules files from governance/lgpd/, create the audit "
             "tables, turn off file statistics of personal columns", f"{GOV}:cmd_sync", (CLASSIFICATION,)),
        Verb("discover", "sample every column of every lake table (as the platform; no value is printed or kept), "
             "recognise personal data, compare with the classification; exit 1 when some is unclassified",
             f"{GOV}:cmd_discover", (
            CLASSIFICATION,
            arg("--sample", type=int, default=200, help="values per column (default 200)"),
            arg("--namespaces", type=comma_list, help="only these namespaces (default: all of the lakehouse)"),
            arg("--json", action="store_true", help="JSON instead of text"),
        )),
        Verb("review", "columns nobody classified or reviewed yet (masked for the masked roles until then), each "
             "sampled for personal data; --accept adds the clean ones to governance/lgpd/reviewed.toml; exit 1 "
             "while any is left", f"{GOV}:cmd_review", (
            CLASSIFICATION,
            arg("--accept", action="store_true", help="record as reviewed (not personal) every pending column whose "
                "sample discovery finds clean; the others stay masked until classified"),
            arg("--sample", type=int, default=200, help="values per column (default 200)"),
            arg("--json", action="store_true", help="JSON instead of text"),
        )),
        Verb("compile", "write the rules, groups and table-procedure grants only (the committed stack/conf/trino/)",
             f"{GOV}:cmd_compile", (
            CLASSIFICATION,
            arg("--out", help="the directory to write to (default: stack/conf/trino/)"),
        )),
    )),
    Noun("metadata", "the lake in OpenMetadata: classification, tags, descriptions and lineage as code", (
        Verb("validate", "build the LGPD classification, column tags, gold descriptions, lineage and ingestion "
             "workflows, and validate each against openmetadata-ingestion's own models (no server needed)",
             f"{METADATA}:cmd_validate"),
        Verb("ingest", "run one of OpenMetadata's ingestion workflows (metadata/pororoca_metadata/workflows/) "
             "against this stack and the server at POROROCA_OPENMETADATA_URL", f"{METADATA}:cmd_ingest", (
            arg("workflow", choices=["core", "acquiring", "trino", "kafka", "airflow", "superset"],
                help="which system to catalog (core and acquiring: the source databases, where lineage starts)"),
        )),
        Verb("push", "send them to the server at POROROCA_OPENMETADATA_URL (token: POROROCA_OPENMETADATA_TOKEN); "
             "exit 1 when some table or dashboard is not in the catalog yet", f"{METADATA}:cmd_push"),
        Verb("pull", "read the LGPD tags stewards set on the lake's columns back from the server; `governance "
             "sync` then applies them over classification.toml", f"{METADATA}:cmd_pull"),
    )),
    Noun("feeds", "partner files: the feed contracts, a file checked against its contract, example files", (
        Verb("list", "every feed: format, partner, owner, table, expected arrival, personal-data columns",
             f"{FEEDS}:cmd_list"),
        Verb("check", "read a file as the feed's contract says and list the rows it would reject (exit 1 if any)",
             f"{FEEDS}:cmd_check", (
            arg("file", type=Path, help="the file to check"),
            arg("--feed", required=True, help="the feed's name (`pororoca feeds list`)"),
            arg("--show", type=int, default=20, help="how many rejects to print (default 20)"),
            arg("--json", action="store_true", help="the result as JSON, every reject with its raw line"),
        )),
        Verb("apply", "the landing zone: bucket, the ingestion's key, a write-only key per partner (idempotent)",
             f"{FEEDS}:cmd_apply"),
        Verb("ingest", "every file waiting in the landing zone into bronze (Spark; one commit per file)",
             f"{SPARK}:cmd_ingest_feeds", (
            arg("--feed", help="comma-separated feed names (default: all)"),
            arg("--wait", type=positive_float, default=1800.0,
                help="seconds to wait for a running ingestion (default 1800)"),
            arg("--create-tables", action="store_true", help="create the feeds' tables even if no file waits"),
        )),
        Verb("deadlines", "alert once for every due file missing at its deadline (gold.feed_deadlines)",
             f"{FEEDS}:cmd_deadlines", (
            arg("--hours", type=positive_float, default=24.0, help="deadlines passed in the last N hours (default 24)"),
        )),
        Verb("example", "write an example file of a feed, optionally with bad rows or damaged",
             f"{FEEDS}:cmd_example", (
            arg("--feed", required=True, help="the feed's name"),
            arg("--out", type=Path, required=True, help="where to write it"),
            arg("--rows", type=int, default=1000, help="how many rows (default 1000)"),
            arg("--bad-rows", type=int, default=0, help="how many rows to spoil (default 0)"),
            arg("--corrupt", action="store_true", help="damage the file (truncated, or the wrong encoding)"),
            arg("--day", type=iso_date, help="the file's business day (default: today)"),
            arg("--seed", type=int, default=1, help="the generator's seed (default 1)"),
        )),
    )),
    Noun("fraud", "real-time Pix fraud scoring: train and register the model, the processor's counters", (
        Verb("train", "read the lake (silver, limits' change log, fraud cases) at its current snapshots, compute the "
             "features as the processor does, fit and evaluate on a time-based holdout beside the champion, register "
             "the challenger in MLflow; the promotion gate (fraud/scoring.toml) decides whether it becomes champion",
             f"{FRAUD}:cmd_train", (
            arg("--no-register", action="store_true", help="evaluate only"),
            arg("--snapshots", help="read the lake at these Iceberg snapshot ids (the JSON object a training run "
                "printed, or @file) to rebuild its training set exactly"),
            arg("--min-frauds", type=int, default=20, help="refuse to fit on fewer labelled frauds (default 20)"),
            arg("--label-maturity-days", type=float, help="leave out transfers younger than this before the latest "
                "detection (default: fraud/scoring.toml [training])"),
            arg("--holdout-share", type=float, help="the latest share of mature transfers to evaluate on "
                "(default: fraud/scoring.toml [training])"),
            arg("--json", action="store_true", help="also print the result as JSON"),
        )),
        Verb("promote", "make a registered version the champion (the processor follows within a minute); the one it "
             "replaces becomes `previous`. Refused for a version the gate refused unless --force; recorded",
             f"{FRAUD}:cmd_promote", (
            arg("--version", required=True, help="the registered model version"),
            arg("--reason", required=True, help="why (kept on the model version and in the stack's logs)"),
            arg("--force", action="store_true", help="promote a version the promotion gate refused"),
        )),
        Verb("rollback", "swap the champion and the `previous` version (a second rollback undoes the first); recorded",
             f"{FRAUD}:cmd_rollback", (
            arg("--reason", required=True, help="why (kept on the model versions and in the stack's logs)"),
        )),
        Verb("monitor", "daily drift of every feature and the score from the champion's training population (PSI), "
             "live precision once labels matured, the shadow comparison, into gold; alerts past fraud/scoring.toml "
             "[monitoring]", f"{FRAUD}:cmd_monitor", MONITOR_DAYS),
        Verb("bootstrap", "what the processor knows of customers from the lake: accounts into its account "
             "directory (fraud.accounts), devices and limit versions into fraud.context; for a processor started "
             "after the change topics' three days dropped older changes. Idempotent",
             f"{FRAUD}:cmd_bootstrap", ()),
        Verb("drifted", "exit 0 when `fraud monitor` found drift on one of the days, 99 otherwise (the retraining "
             "DAG's trigger)", f"{FRAUD}:cmd_drifted", MONITOR_DAYS),
        Verb("status", "the processor's counters: transfers scored, alerts, dead letters, model version",
             f"{FRAUD}:cmd_status", (arg("--json", action="store_true", help="JSON instead of text"),)),
    )),
    Noun("lgpd", "data-subject requests (export, erase) and the personal-data access report, as the DPO", (
        Verb("export", "the subject's data as JSON and CSV (Art. 18, II and V)", f"{GOV}:cmd_export", (
            *SUBJECT,
            arg("--out", default=".", help="directory for the subject's files (default: here)"),
        )),
        Verb("erase", "delete the subject everywhere, rewrite and verify the files, record a receipt (Art. 18, VI)",
             f"{GOV}:cmd_erase", (
            *SUBJECT,
            arg("--purge-topics", action="store_true",
                help="also empty the raw change topics (every subject's records up to now); shows the plan "
                "and does nothing without --yes (exit 3)"),
            arg("--yes", action="store_true", help="with --purge-topics: really purge"),
        )),
        Verb("access-report", "who read personal data (or its files' metadata), or tried and was denied, when",
             f"{GOV}:cmd_access_report", (
            arg("--from", dest="start", default="1970-01-01", help="from (ISO date/time, default: the beginning)"),
            arg("--to", dest="end", default="2999-01-01", help="until, exclusive (ISO date/time)"),
            arg("--json", action="store_true", help="JSON instead of a table"),
        )),
    )),
    Noun("dashboards", "Superset's KPI dashboards as code: apply, export UI edits, check every chart renders", (
        Verb("apply", "import superset_dashboards/ (idempotent) and give the dashboards to the Analyst role",
             f"{SUPERSET}:cmd_apply", (ASSETS_DIR,)),
        Verb("export", "write Superset's current assets back to superset_dashboards/", f"{SUPERSET}:cmd_export",
             (ASSETS_DIR,)),
        Verb("check", "open every dashboard as the analyst in a headless browser; exit 1 if a chart fails",
             f"{SUPERSET}:cmd_check", (ASSETS_DIR,)),
    )),
    Noun("cluster", "one-off set-up steps a Kubernetes install runs as Jobs (the local `up` does them itself)", (
        Verb("lakehouse-bucket", "create the lakehouse's and MLflow's buckets and their bucket-scoped keys",
             f"{STACK}:cmd_lakehouse_bucket", (
            arg("--lakehouse", required=True, help="the lakehouse's bucket"),
            arg("--mlflow", required=True, help="MLflow's artifact bucket"),
        ), alias="lakehouse-bucket"),
        Verb("mlflow-users", "create MLflow's read-only `scorer` user (the fraud processor's) if missing",
             f"{STACK}:cmd_mlflow_users", (
            arg("--timeout", type=positive_float, default=300, help="seconds to wait for MLflow (default 300)"),
        )),
        Verb("iceberg-catalog", "create the Iceberg catalog's database, its engine roles (passwords from the "
             "credentials) and its tables with their row-level security", f"{STACK}:cmd_iceberg_catalog", (
            arg("--admin-user", default="postgres", help="a PostgreSQL role that may create roles and databases"),
            arg("--sslmode", default="prefer", help="libpq sslmode (default prefer; `require` for a managed service)"),
        )),
        Verb("kafka-principals", "create Kafka's SCRAM users and set their ACLs to stack/kafka_principals.toml",
             f"{STACK}:cmd_kafka_principals", alias="kafka-principals"),
        Verb("check-access", "prove Trino enforces the policy: a wrong password is refused and the analyst reads no "
             "personal value the platform reads in a few masked columns; exit 1 otherwise (the chart's helm test)",
             f"{GOV}:cmd_check_access"),
    )),
)  # fmt: skip
