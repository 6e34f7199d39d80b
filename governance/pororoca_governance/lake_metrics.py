"""No personal value in Iceberg's file statistics: a data file's lower and upper bound of a CPF or name column is
that value (a one-row file names its subject). Every personal column gets `write.metadata.metrics.column.<c> =
none`, so new files carry no bounds for it; maintenance rewrites files written before (pororoca_spark.maintain)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pororoca_governance.audit import personal_columns
from pororoca_governance.classification import Classification

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

PROPERTY = "write.metadata.metrics.column.{}"


def wanted(classification: Classification) -> dict[str, dict[str, str]]:
    """table -> the metrics properties its personal columns need (pure)."""
    out: dict[str, dict[str, str]] = {}
    for column in sorted(personal_columns(classification)):
        table, name = column.rsplit(".", 1)
        out.setdefault(table, {})[PROPERTY.format(name)] = "none"
    return out


def apply(catalog: Catalog, classification: Classification) -> list[str]:
    """Set the properties on every existing table that lacks them; tables not created yet are left to a later
    run. Returns the tables changed."""
    from pyiceberg.exceptions import NoSuchTableError

    changed = []
    for table, props in wanted(classification).items():
        try:
            t = catalog.load_table(tuple(table.split(".")))
        except NoSuchTableError:
            continue
        missing = {k: v for k, v in props.items() if t.properties.get(k) != v}
        if missing:
            with t.transaction() as tx:
                tx.set_properties(missing)
            changed.append(table)
    return changed
