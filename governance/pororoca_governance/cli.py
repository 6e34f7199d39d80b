"""Handlers of `pororoca governance ...` and `pororoca lgpd ...`: the policy in force and the data subjects' rights.
Arguments are declared in `pororoca.commands`."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pororoca_core import lakehouse
from pororoca_core.paths import Paths
from pororoca_governance import lake_metrics, policy
from pororoca_governance.classification import (
    CLASSIFICATION_PATH,
    load_access,
    load_classification,
    load_reviewed,
    reviewed_with_feeds,
)
from pororoca_governance.subjects import SubjectError

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
TRINO_CONF_IN_REPO = Path(__file__).resolve().parents[2] / "stack" / "conf" / "trino"


def _classification(args: argparse.Namespace) -> Path:
    return Path(args.classification) if args.classification else CLASSIFICATION_PATH


def cmd_compile(args: argparse.Namespace, paths: Paths) -> int:
    """The committed rules and groups (also shipped by the Helm chart) are the compiled repository policy."""
    classification = load_classification(_classification(args))
    out = Path(args.out) if args.out else TRINO_CONF_IN_REPO
    access = load_access()
    out.mkdir(parents=True, exist_ok=True)
    (out / "rules.json").write_text(policy.render_rules(policy.compile_rules(classification, access)))
    (out / "groups.txt").write_text(policy.group_file(access))
    (out / "table-procedures.properties").write_text(policy.table_procedures(access))
    (out / "reviewed-columns.properties").write_text(
        policy.reviewed_columns(classification, reviewed_with_feeds(load_reviewed()), access)
    )
    print(f"governance: wrote {out}/rules.json, groups.txt, table-procedures.properties, reviewed-columns.properties")
    return 0


def cmd_sync(args: argparse.Namespace, paths: Paths) -> int:
    from pororoca_governance import trino_security
    from pororoca_governance.steward import with_steward_tags

    classification = with_steward_tags(paths, load_classification(_classification(args)))
    result = trino_security.sync(paths, classification)
    ep = lakehouse.Endpoints.of(paths)
    trino_security.ensure_audit_tables(ep)
    bounded = lake_metrics.apply(lakehouse.iceberg_catalog(ep, "contracts"), classification)
    if bounded:
        print(f"governance: {len(bounded)} tables now write no file statistics for their personal columns "
              "(maintenance rewrites their older files)")  # fmt: skip
    changed = ", ".join(result.changed) or "nothing changed"
    print(
        f"governance: {result.masked_columns} masked columns, users {', '.join(result.users)}; {changed}"
        " (Trino reloads users and groups within 5 s, rules within 10 s)"
    )
    return 0


def cmd_discover(args: argparse.Namespace, paths: Paths) -> int:
    """Personal data by sampled values and column names, against the classification; exit 1 when some is
    found unclassified."""
    from pororoca_governance import discover_lake, discovery

    namespaces = set(args.namespaces.split(",")) if args.namespaces else None

    def note(message: str) -> None:  # progress on stderr: stdout carries the report (JSON with --json)
        print(f"discover: {message}", file=sys.stderr, flush=True)

    assessed = discover_lake.discover(lakehouse.Endpoints.of(paths), args.sample, namespaces, note)
    report = discovery.compare(assessed, load_classification(_classification(args)).columns)
    print(json.dumps(discovery.as_json(report), indent=2) if args.json else discovery.as_text(report))
    return 0 if report.clean else 1


def _date(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as e:
        raise SubjectError(f"not an ISO date or time: {text!r} (e.g. 2026-11-22 or 2026-11-22T10:00-03:00)") from e
    return value if value.tzinfo else value.replace(tzinfo=SAO_PAULO)


def _subject(args: argparse.Namespace, paths: Paths):
    from pororoca_governance.rights import Rights

    if args.cpf is None and args.customer_id is None:
        raise SubjectError("name the data subject: --cpf <cpf> or --customer-id <id>")
    rights = Rights(paths)
    return rights, rights.find(cpf=args.cpf, customer_id=args.customer_id)


def cmd_export(args: argparse.Namespace, paths: Paths) -> int:
    rights, subject = _subject(args, paths)
    out = Path(args.out) / f"subject-{subject.cpf_token[:12]}"
    counts = rights.export(subject, out)
    print(f"lgpd: exported {sum(counts.values())} rows from {len(counts)} tables to {out} (subject.json + CSV)")
    return 0


def cmd_erase(args: argparse.Namespace, paths: Paths) -> int:
    rights, subject = _subject(args, paths)
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


def _purge_plan(rights) -> int:
    """--purge-topics without --yes: what the purge would remove. Kafka deletes by offset, not by key: every
    record of every subject up to now goes (the lake keeps them; consumers that lag lose them)."""
    from pororoca_governance import raw_log

    spans = [s for s in raw_log.spans(rights.ep.kafka) if s.records]
    for s in spans:
        print(f"  would delete {s.topic}[{s.partition}] offsets {s.low}..{s.high - 1} ({s.records:,} records)")
    total = sum(s.records for s in spans)
    print(f"lgpd: --purge-topics would delete {total:,} raw change records of every subject from {len(spans)} "
          "partition(s), after the erasure; nothing done. Run again with --yes to erase and purge.")  # fmt: skip
    return 3


def cmd_access_report(args: argparse.Namespace, paths: Paths) -> int:
    from pororoca_governance import audit
    from pororoca_governance.lake import Lake

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


def cmd_check_access(args: argparse.Namespace, paths: Paths) -> int:
    from pororoca_governance import access_check

    result = access_check.check(lakehouse.Endpoints.of(paths), load_classification())
    print(f"access: a wrong password for analyst: {result.authentication}")
    for f in result.findings:
        print(f"  {f.outcome:<8} {f.column}")
    if not any(f.outcome in ("masked", "denied") for f in result.findings):
        print("access: no masked column holds data yet: only authentication was checked")
    print("access: enforced" if result.ok else "access: NOT ENFORCED", file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


def cmd_review(args: argparse.Namespace, paths: Paths) -> int:
    """Safe by default, the steward's side: what is masked because nobody decided yet, and a way to decide."""
    from pororoca_governance import discover_lake, review
    from pororoca_governance.classification import REVIEWED_PATH

    reviewed = load_reviewed()
    pending = discover_lake.pending(lakehouse.Endpoints.of(paths), load_classification(_classification(args)),
                                    reviewed_with_feeds(reviewed), args.sample)  # fmt: skip
    accepted = [p.column for p in pending if p.acceptable] if args.accept else []
    if accepted:
        REVIEWED_PATH.write_text(review.render(reviewed.accept(accepted)))
    left = [p for p in pending if p.column not in accepted]
    if args.json:
        print(json.dumps({"accepted": accepted, "pending": [
            {"column": p.column, "sampled": p.sampled, "acceptable": p.acceptable,
             "findings": [f.__dict__ for f in p.findings]} for p in left]}, indent=2))  # fmt: skip
    else:
        if accepted:
            print(f"review: accepted {len(accepted)} columns as not personal into {REVIEWED_PATH} "
                  "(commit it; `pororoca governance sync` unmasks them)")  # fmt: skip
        print(f"review: {len(left)} columns neither classified nor reviewed; they read as NULL for masked roles")
        for p in left:
            if p.findings:
                why = "personal data found: " + ", ".join(f"{f.kind} {f.confidence:.2f}" for f in p.findings)
            elif p.column.endswith(review.NEVER_ACCEPTED_SUFFIXES):
                why = "a pseudonym: classify it (Pseudonymised)"
            elif p.sampled is None:
                why = "not sampled (its type, or bookkeeping): review it by hand"
            else:
                why = f"nothing personal in {p.sampled} values: `--accept` records it"
            print(f"  {p.column:<56} {why}")
        if left:
            print("classify personal ones in governance/lgpd/classification.toml, then `pororoca governance sync`")
    return 1 if left else 0
