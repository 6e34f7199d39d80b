"""`make demo` (for now): prove the stack answers end to end, then say where everything is."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from pororoca_core import lakehouse
from pororoca_core.paths import Paths
from pororoca_stack import stack

NAMESPACE = "smoke"
TABLE = f"{NAMESPACE}.heartbeat"


def write_heartbeat(ep: lakehouse.Endpoints) -> int:
    catalog = lakehouse.iceberg_catalog(ep, "contracts")
    catalog.create_namespace_if_not_exists(NAMESPACE)
    schema = pa.schema([("at", pa.timestamp("us", tz="UTC")), ("note", pa.string())])
    table = catalog.create_table_if_not_exists(TABLE, schema=schema)
    table.append(pa.table({"at": [datetime.now(UTC)], "note": ["pororoca smoke check"]}, schema=schema))
    return len(table.inspect.snapshots())


def run(paths: Paths) -> int:
    rows = stack.status(paths)
    bad = [r.service for r in rows if not r.healthy]
    if bad:
        print(f"smoke: unhealthy services: {', '.join(bad)}; see `make status` and `make logs S=<service>`")
        return 1
    ep = lakehouse.Endpoints.of(paths)
    snapshots = write_heartbeat(ep)
    with lakehouse.trino_connection(ep) as conn:
        cur = conn.cursor()
        cur.execute(f"SELECT count(*), max(at) FROM {lakehouse.CATALOG}.{TABLE}")
        count, latest = cur.fetchone()
    print(f"smoke: wrote {TABLE} (snapshot #{snapshots}); Trino reads {count} rows, latest {latest}")
    print(
        f"""
Pororoca is running (state: {paths.state})
  Gold KPIs          `pororoca jobs headline`; tables gold.* in Trino (definitions in spark_apps/gold/*.sql)
  Dashboards         "Risco de Crédito", "Pagamentos e Pix", "Fraude", "Saúde da Plataforma" in Superset
  LGPD               `pororoca lgpd export|erase --cpf ...` (DPO), `pororoca lgpd access-report`;
                     `pororoca governance sync` applies classification changes to Trino without a restart;
                     `pororoca governance discover` finds personal data nobody classified
  Logs               {paths.logs}   (`make logs S=<service>`)
  Stop / wipe        `make down` keeps data; `make reset CONFIRM=yes` deletes it
  The way in         `pororoca stack urls` (below)"""
    )
    return 0
