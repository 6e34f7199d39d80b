"""What analysts see: Superset's dashboards as code (import, export, a browser check) and the KPI headline.

Public API for other packages: the headline, printed after a pipeline run."""

from __future__ import annotations

from datetime import date

from pororoca_core.paths import Paths

__all__ = ["show_headline"]


def show_headline(paths: Paths, reference_date: date | None) -> int:
    """Print the headline KPIs from gold (the newest date when none is given); the exit code of the check."""
    from pororoca_superset import headline

    return headline.show(paths, reference_date)
