"""Columns nobody has classified or reviewed yet, and the reviewed list as the file a steward commits (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pororoca_governance.classification import Classification, Reviewed
from pororoca_governance.discovery import Finding

# A pseudonym is still personal data (LGPD Art. 13): a token column is classified, never waved through.
NEVER_ACCEPTED_SUFFIXES = ("_token",)


@dataclass(frozen=True)
class Pending:
    column: str  # namespace.table.column
    sampled: int | None  # None: its type is not sampled (arrays, maps, rows, binary)
    findings: tuple[Finding, ...]

    @property
    def acceptable(self) -> bool:
        """A steward may accept it as not personal: sampled, nothing found, not a pseudonym."""
        return self.sampled is not None and not self.findings and not self.column.endswith(NEVER_ACCEPTED_SUFFIXES)


def unreviewed(columns: Iterable[str], classification: Classification, reviewed: Reviewed) -> list[str]:
    return sorted(c for c in columns if not reviewed.known(c, classification))


def render(reviewed: Reviewed) -> str:
    def names(cs: Iterable[str]) -> str:
        return "[" + ", ".join(f'"{c}"' for c in cs) + "]"

    lines = [
        "# Safe by default: in these namespaces (their tables follow the sources' schemas, which evolve), a column",
        "# that is neither classified (classification.toml) nor listed here reads as NULL for the masked roles of",
        "# access.toml. A column listed here was reviewed by a steward and holds no personal data. Maintained by",
        "# `pororoca governance review --accept` (it accepts only columns whose sample discovery finds clean) or by",
        "# hand; `pororoca governance sync` applies it to Trino without a restart.",
        "",
        f"namespaces = {names(reviewed.namespaces)}",
        "",
        "[every_table]  # columns every table of the namespace has",
    ]
    lines += [f"{ns} = {names(cs)}" for ns, cs in sorted(reviewed.every_table.items())]
    lines += ["", "[tables]"]
    lines += [f'"{t}" = {names(cs)}' for t, cs in sorted(reviewed.tables.items())]
    return "\n".join(lines) + "\n"
