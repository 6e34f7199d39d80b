"""Personal-data discovery: what sampled values and column names suggest, and how that differs from the
classification (pure: the sampling lives in `discover_lake`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pororoca_governance.recognisers import KINDS, Kind

MIN_SHARE = 0.8  # of a column's sampled values must match a kind for the values alone to say so
HINT_SHARE = 0.3  # enough when the column's name says so too
# Values alone say so only from this many matches: one 13-digit id passes the card number's Luhn test one time in
# ten, and a column sampled as one or two values would be flagged by chance.
MIN_MATCHES = 3
SMALL_SAMPLE = 20  # fewer non-empty values than this: values alone are less sure (and the lake samples it again)
# Columns that hold no value of a person by construction: capture bookkeeping and tokens (already pseudonyms).
SKIPPED_SUFFIXES = ("_token",)
SKIPPED_PREFIXES = ("_",)


@dataclass(frozen=True)
class Finding:
    kind: str
    tags: tuple[str, ...]
    confidence: float  # 0..1
    share: float  # of the sampled non-empty values that match
    by_name: bool  # the column's name suggests it


@dataclass(frozen=True)
class ColumnReport:
    column: str  # namespace.table.column
    sampled: int  # non-empty values looked at
    findings: tuple[Finding, ...]
    classified: tuple[str, ...]  # the classification's tags for the column

    @property
    def personal(self) -> bool:
        return bool(self.findings)

    @property
    def suggested_tags(self) -> tuple[str, ...]:
        tags: list[str] = []
        for f in self.findings:
            tags += [t for t in f.tags if t not in tags]
        return tuple(tags)


@dataclass(frozen=True)
class Report:
    columns: tuple[ColumnReport, ...]
    unclassified: tuple[ColumnReport, ...] = field(default=())  # personal data found, no PersonalData tag
    not_found: tuple[str, ...] = field(default=())  # classified as directly identifying, nothing found

    @property
    def clean(self) -> bool:
        return not self.unclassified


def skipped(column: str) -> bool:
    name = column.rsplit(".", 1)[-1]
    return name.startswith(SKIPPED_PREFIXES) or name.endswith(SKIPPED_SUFFIXES)


def non_empty(values: Sequence[str | None]) -> list[str]:
    return [v.strip() for v in values if v is not None and v.strip()]


def assess(column: str, values: Sequence[str | None], kinds: Iterable[Kind] = KINDS) -> tuple[int, tuple[Finding, ...]]:
    """The kinds a column's sample holds, strongest first. No value leaves this function."""
    name = column.rsplit(".", 1)[-1]
    sample = non_empty(values)
    findings: list[Finding] = []
    for kind in kinds:
        hinted = bool(kind.hints.search(name))
        if kind.needs_hint and not hinted:
            continue
        matches = sum(1 for v in sample if kind.test(v))
        share = matches / len(sample) if sample else 0.0
        if share >= MIN_SHARE and (hinted or matches >= MIN_MATCHES):
            # values alone: at most 0.9, and less sure of a small sample
            confidence = 0.99 if hinted else (0.5 + 0.4 * share) * (1 if len(sample) >= SMALL_SAMPLE else 0.8)
        elif hinted and share >= HINT_SHARE:
            confidence = 0.5 + 0.4 * share
        elif hinted and not sample:
            confidence = 0.3  # an empty column named like personal data: worth a steward's look
        else:
            continue
        findings.append(Finding(kind.name, kind.tags, round(confidence, 2), round(share, 3), hinted))
    findings.sort(key=lambda f: -f.confidence)
    return len(sample), tuple(findings)


# Tags whose values discovery can recognise: a classified column carrying one and showing none is reported.
RECOGNISABLE = frozenset({"CPF", "CNPJ", "Email", "Phone", "BirthDate", "Name", "OnlineIdentifier", "PixKey"})


Assessed = Mapping[str, tuple[int, tuple[Finding, ...]]]  # column -> (values sampled, findings)


def compare(assessed: Assessed, classification: Mapping[str, Sequence[str]]) -> Report:
    """Found-but-unclassified (a column with findings of at least medium confidence and no PersonalData tag)
    and classified-but-not-found (a recognisable tag on a column whose non-empty sample matched nothing)."""
    columns = tuple(ColumnReport(c, n, f, tuple(classification.get(c, ()))) for c, (n, f) in sorted(assessed.items()))
    unclassified = tuple(
        r for r in columns if any(f.confidence >= 0.5 for f in r.findings) and "PersonalData" not in r.classified
    )
    not_found = tuple(r.column for r in columns if RECOGNISABLE & set(r.classified) and r.sampled and not r.findings)
    return Report(columns, unclassified, not_found)


def as_text(report: Report) -> str:
    lines = [f"discover: {len(report.columns)} columns sampled, {sum(r.personal for r in report.columns)} hold "
             f"personal data by their values or names"]  # fmt: skip
    for r in report.columns:
        if not r.findings:
            continue
        kinds = ", ".join(f"{f.kind} {f.confidence:.2f}{' (name)' if f.by_name else ''}" for f in r.findings)
        state = "classified " + "/".join(r.classified) if r.classified else "NOT CLASSIFIED"
        lines.append(f"  {r.column:<48} {kinds:<40} {state}")
    if report.unclassified:
        lines.append(f"found, not classified ({len(report.unclassified)}): add them to governance/lgpd/"
                     "classification.toml (suggested tags below), then `pororoca governance sync`")  # fmt: skip
        lines += [f'  "{r.column}" = {list(r.suggested_tags)}' for r in report.unclassified]
    if report.not_found:
        lines.append(f"classified, not found in the sample ({len(report.not_found)}): check the tag or the data")
        lines += [f"  {c}" for c in report.not_found]
    return "\n".join(lines)


def as_json(report: Report) -> dict:
    return {
        "columns": [
            {"column": r.column, "sampled": r.sampled, "classified": list(r.classified),
             "findings": [f.__dict__ for f in r.findings]}
            for r in report.columns if r.findings or r.classified
        ],
        "unclassified": [{"column": r.column, "suggested_tags": list(r.suggested_tags)} for r in report.unclassified],
        "not_found": list(report.not_found),
    }  # fmt: skip
