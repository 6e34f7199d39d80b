"""`make demo` (for now): prove the stack answers end to end, then say where everything is."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from . import lakehouse, manifest, services, stack
from .paths import Paths

NAMESPACE = "smoke"
TABLE = f"{NAMESPACE}.heartbeat"


def write_heartbeat(ep: lakehouse.Endpoints) -> int:
    catalog = lakehouse.iceberg_catalog(ep)
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
    print(f"smoke: wrote {TABLE} through Nessie (snapshot #{snapshots}); Trino reads {count} rows, latest {latest}")
    ports = services.port_values(services.load())
    airflow_port, superset_port = ports["airflow_port"], ports["superset_port"]
    trino = manifest.load()["trino"]
    cli = paths.component_home(trino.name, trino.version) / "bin" / "trino-cli.jar"
    print(
        f"""
Pororoca is running (state: {paths.state})
  Trino SQL          https://127.0.0.1:{ep.trino_port}   catalog `{lakehouse.CATALOG}`, users by role (governance/lgpd/)
                     {cli} --server https://127.0.0.1:{ep.trino_port} --truststore-path {ep.trino_ca}
                       --user analyst --password --catalog {lakehouse.CATALOG}   (password: `trino_analyst_password`)
  Iceberg REST       {ep.iceberg_rest}   (Nessie)
  Object storage     {ep.s3}   bucket `{ep.bucket}` (MinIO)
  Kafka              {ep.kafka_bootstrap}
  Kafka Connect      {ep.connect_url}
  Airflow            http://127.0.0.1:{airflow_port}   user `admin`, password `airflow_admin_password` below
  Gold KPIs          `pororoca headline`; tables gold.* in Trino (definitions in spark_apps/gold/*.sql)
  Superset           http://127.0.0.1:{superset_port}   dashboards "Risco de Crédito", "Pagamentos e Pix", "Fraude",
                     "Saúde da Plataforma"; users `analyst` and `admin` (`superset_*_password` below)
  LGPD               `pororoca lgpd export|erase --cpf ...` (DPO), `pororoca lgpd access-report`;
                     `pororoca governance sync` applies classification changes to Trino without a restart
  Credentials        {paths.credentials} (mode 0600)
  Logs               {paths.logs}   (`make logs S=<service>`)
  Stop / wipe        `make down` keeps data; `make reset` deletes it"""
    )
    return 0
