"""Reading the one value a query must return, for every database client the stack uses (DB-API rows)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pororoca_core.errors import OperationFailed


def scalar(row: Sequence[Any] | None, what: str = "the query") -> Any:
    """The first column of a row a query always returns (an aggregate, a catalog lookup)."""
    if row is None:
        raise OperationFailed(f"{what} returned no row")
    return row[0]
