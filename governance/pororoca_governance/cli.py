"""`pororoca governance ...` and `pororoca lgpd ...`: the policy in force and the data subjects' rights."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pororoca import lakehouse
from pororoca.paths import Paths

from . import lake_metrics, policy
from .classification import CLASSIFICATION_PATH, load_access, load_classification
from .subjects import SubjectError

SAO_PAULO = ZoneInfo("America/Sao_Paulo")

TRINO_CONF_IN_REPO = Path(__file__).resolve().parents[2] / "stack" / "conf" / "trino"


def cmd_governance(args: argparse.Namespace, paths: Paths) -> int:
    classification = load_classification(Path(args.classification))
    if args.action == "compile":
        # The committed rules and groups (also shipped by the Helm chart) are the compiled repository policy.
        out = Path(args.out)
        access = load_access()
        out.mkdir(parents=True, exist_ok=True)
        (out / "rules.json").write_text(policy.render_rules(policy.compile_rules(classification, access)))
        (out / "groups.txt").write_text(policy.group_file(access))
        (out / "table-procedures.properties").write_text(policy.table_procedures(access))
        print(f"governance: wrote {out}/rules.json, groups.txt and table-procedures.properties")
        return 0
    from . import trino_security

    result = trino_security.sync(paths, classification)
    ep = lakehouse.Endpoints.of(paths)
    trino_security.ensure_audit_tables(ep)
    bounded = lake_metrics.apply(lakehouse.iceberg_catalog(ep), classification)
    if bounded:
        print(f"governance: {len(bounded)} tables now write no file statistics for their personal columns "
              "(maintenance rewrites their older files)")  # fmt: skip
    changed = ", ".join(result.changed) or "nothing changed"
    print(
        f"governance: {result.masked_columns} masked columns, users {', '.join(result.users)}; {changed}"
        " (Trino reloads users and groups within 5 s, rules within 10 s)"
    )
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    gov = sub.add_parser(
        "governance",
        help="compile the LGPD classification into Trino's users, groups and access rules (no restart)",
        description="sync: write Trino's password, group and rules files from governance/lgpd/; "
        "compile: write the rules and groups only (the committed stack/conf/trino/ files)",
    )
    gov.set_defaults(func=cmd_governance)
    gov.add_argument("action", choices=["sync", "compile"])
    gov.add_argument("--classification", default=str(CLASSIFICATION_PATH), help="the classification file")
    gov.add_argument("--out", default=str(TRINO_CONF_IN_REPO), help="compile: the directory to write to")


def _date(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as e:
        raise SubjectError(f"not an ISO date or time: {text!r} (e.g. 2026-11-22 or 2026-11-22T10:00-03:00)") from e
    return value if value.tzinfo else value.replace(tzinfo=SAO_PAULO)


def cmd_lgpd(args: argparse.Namespace, paths: Paths) -> int:
    from .rights import Rights

    try:
        if args.action == "access-report":
            return _access_report(args, paths)
        if args.cpf is None and args.customer_id is None:
            raise SubjectError("name the data subject: --cpf <cpf> or --customer-id <id>")
        rights = Rights(paths)
        subject = rights.find(cpf=args.cpf, customer_id=args.customer_id)
        if args.action == "export":
            out = Path(args.out) / f"subject-{subject.cpf_token[:12]}"
            counts = rights.export(subject, out)
            print(f"lgpd: exported {sum(counts.values())} rows from {len(counts)} tables to {out} (subject.json + CSV)")
            return 0
        if args.purge_topics and not args.yes:
            return _purge_plan(rights)
        receipt = rights.erase(subject, purge_topics=args.purge_topics)
        print(
            f"lgpd: erased {receipt.rows_deleted} rows in {sum(1 for t in receipt.tables if t.rows)} tables; "
            f"receipt {receipt.receipt_id} in audit.erasure_receipts"
        )
        if args.purge_topics:
            print(f"lgpd: purged {receipt.topics_purged:,} raw change records from Kafka")
        print(f"lgpd: outside the lake: {receipt.residual_copies}")
        return 0
    except SubjectError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _purge_plan(rights) -> int:
    """--purge-topics without --yes: what the purge would remove. Kafka deletes by offset, not by key: every
    record of every subject up to now goes (the lake keeps them; consumers that lag lose them)."""
    from . import raw_log

    spans = [s for s in raw_log.spans(rights.ep.kafka) if s.records]
    for s in spans:
        print(f"  would delete {s.topic}[{s.partition}] offsets {s.low}..{s.high - 1} ({s.records:,} records)")
    total = sum(s.records for s in spans)
    print(f"lgpd: --purge-topics would delete {total:,} raw change records of every subject from {len(spans)} "
          "partition(s), after the erasure; nothing done. Run again with --yes to erase and purge.")  # fmt: skip
    return 3


def _access_report(args: argparse.Namespace, paths: Paths) -> int:
    from . import audit
    from .lake import Lake

    start, end = _date(args.start), _date(args.end)
    lake = Lake(lakehouse.Endpoints.of(paths), "dpo")
    reads = audit.personal_reads(audit.query(lake, start, end), load_classification(), load_access())
    if args.json:
        print(json.dumps([asdict(r) for r in reads], default=str, indent=2))
        return 0
    denied = sum(r.kind == "denied" for r in reads)
    print(f"lgpd: {len(reads) - denied} queries read personal data (or its files' metadata), {denied} were denied, "
          f"between {start.isoformat()} and {end.isoformat()}")  # fmt: skip
    for r in reads:
        seen = {"denied": "DENIED", "metadata": "METADATA"}.get(r.kind, "masked" if r.masked else "UNMASKED")
        what = r.denied if r.kind == "denied" else ", ".join(r.objects or r.columns)
        print(f"  {r.ended_at:%Y-%m-%d %H:%M:%S%z}  {r.user:<10} {r.role:<9} {seen:<8} {r.state:<8} {what}")
    return 0


def add_lgpd_parser(sub: argparse._SubParsersAction) -> None:
    lgpd = sub.add_parser(
        "lgpd",
        help="data-subject requests (export, erase) and the personal-data access report, as the DPO",
        description="export: the subject's data as JSON and CSV (Art. 18, II and V); erase: delete the subject "
        "everywhere, rewrite and verify the files, record a receipt (Art. 18, VI); access-report: who read "
        "personal data, when",
    )
    lgpd.set_defaults(func=cmd_lgpd)
    lgpd.add_argument("action", choices=["export", "erase", "access-report"])
    lgpd.add_argument("--cpf", help="the subject's CPF (with or without punctuation)")
    lgpd.add_argument("--customer-id", type=int, help="or the subject's customer id")
    lgpd.add_argument("--out", default=".", help="export: directory for the subject's files")
    lgpd.add_argument(
        "--purge-topics", action="store_true",
        help="erase: also empty the raw change topics (every subject's records up to now); shows the plan "
        "and does nothing without --yes",
    )  # fmt: skip
    lgpd.add_argument("--yes", action="store_true", help="erase --purge-topics: really purge")
    lgpd.add_argument("--from", dest="start", default="1970-01-01", help="access-report: from (ISO date/time)")
    lgpd.add_argument("--to", dest="end", default="2999-01-01", help="access-report: until, exclusive")
    lgpd.add_argument("--json", action="store_true", help="access-report: JSON instead of a table")
