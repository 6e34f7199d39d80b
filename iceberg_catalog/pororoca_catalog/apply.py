"""Apply contracts to the catalog: create what is missing, add missing columns, fix properties.

Idempotent: applying the same contracts twice changes nothing the second time. It never drops or
retypes a column and never repartitions a table with data; a partitioning that differs from the
contract is reported as drift for a human to decide.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass

from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import NamespaceAlreadyExistsError, NoSuchTableError

from pororoca_catalog.bronze import Contract, partitioning


@dataclass(frozen=True)
class Outcome:
    identifier: str
    action: str  # created | updated | unchanged | drift
    detail: str = ""


def ensure_namespace(catalog: Catalog, namespace: str) -> None:
    with contextlib.suppress(NamespaceAlreadyExistsError):
        catalog.create_namespace(namespace)


def apply_one(catalog: Catalog, c: Contract) -> Outcome:
    try:
        table = catalog.load_table(c.identifier)
    except NoSuchTableError:
        catalog.create_table(c.identifier, schema=c.schema, partition_spec=c.spec, properties=c.properties)
        return Outcome(c.identifier, "created")
    have = {f.name.lower() for f in table.schema().fields}
    missing = [f for f in c.schema.fields if f.name.lower() not in have]
    changes = []
    with table.transaction() as tx:
        if missing:
            with tx.update_schema() as update:
                for f in missing:
                    update.add_column(f.name, f.field_type, doc=f.doc)
            changes.append("added " + ", ".join(f.name for f in missing))
        # Properties derived from the schema follow the table's own field ids: Iceberg numbers an added column
        # after its last id, not where the contract lists it.
        wanted = {**c.properties, **(c.schema_properties(tx.table_metadata.schema()) if c.schema_properties else {})}
        props = {k: v for k, v in wanted.items() if table.properties.get(k) != v}
        if props:
            tx.set_properties(props)
            changes.append("set " + ", ".join(sorted(props)))
    current_partitioning = partitioning(table.schema(), table.spec())
    if current_partitioning != c.partition_columns:
        detail = f"partitioned by {current_partitioning}, contract: {c.partition_columns}"
        return Outcome(c.identifier, "drift", detail)
    return Outcome(c.identifier, "updated" if changes else "unchanged", "; ".join(changes))


def apply(catalog: Catalog, contracts: Iterable[Contract]) -> list[Outcome]:
    contracts = list(contracts)
    for namespace in sorted({c.identifier.split(".")[0] for c in contracts}):
        ensure_namespace(catalog, namespace)
    return [apply_one(catalog, c) for c in contracts]
