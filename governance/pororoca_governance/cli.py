"""`pororoca governance ...` and `pororoca lgpd ...`: the policy in force and the data subjects' rights."""

from __future__ import annotations

import argparse
from pathlib import Path

from pororoca.paths import Paths

from . import policy
from .classification import CLASSIFICATION_PATH, load_access, load_classification

RULES_IN_REPO = Path(__file__).resolve().parents[2] / "stack" / "conf" / "trino" / "rules.json"


def cmd_governance(args: argparse.Namespace, paths: Paths) -> int:
    classification = load_classification(Path(args.classification))
    if args.action == "compile":
        # The committed rules (also shipped by the Helm chart) are the compiled repository classification.
        Path(args.out).write_text(policy.render_rules(policy.compile_rules(classification, load_access())))
        print(f"governance: wrote {args.out}")
        return 0
    from . import trino_security

    result = trino_security.sync(paths, classification)
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
        "compile: write the rules only (the committed stack/conf/trino/rules.json)",
    )
    gov.set_defaults(func=cmd_governance)
    gov.add_argument("action", choices=["sync", "compile"])
    gov.add_argument("--classification", default=str(CLASSIFICATION_PATH), help="the classification file")
    gov.add_argument("--out", default=str(RULES_IN_REPO), help="compile: where to write the rules")
