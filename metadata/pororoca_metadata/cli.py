"""Handlers of `pororoca metadata ...` (thin shell): build the bundle here, validate, push and pull it in
OpenMetadata's own environment. Arguments are declared in `pororoca.commands`."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from pororoca_core import credentials, manifest, services
from pororoca_core.errors import ConfigError, OperationFailed
from pororoca_core.paths import Paths
from pororoca_core.services import peer_host
from pororoca_governance import STEWARD_TAGS, load_classification, save_steward_tags
from pororoca_metadata import bundle, names

METADATA_DIR = Path(__file__).resolve().parent.parent
SERVER_ENV = ("POROROCA_OPENMETADATA_URL", "POROROCA_OPENMETADATA_TOKEN")


def _python(paths: Paths) -> str:
    return manifest.component_python(paths, "openmetadata")


def _client(paths: Paths, action: str, payload: dict) -> dict:
    env = {**os.environ, "PYTHONPATH": str(METADATA_DIR), "PYTHONWARNINGS": "ignore"}
    r = subprocess.run(
        [_python(paths), "-m", "pororoca_metadata.om_client", action],
        input=json.dumps(payload), capture_output=True, text=True, env=env,
    )  # fmt: skip
    if r.returncode != 0:
        raise OperationFailed(f"metadata {action} failed:\n{r.stderr[-4000:]}")
    return json.loads(r.stdout)


def _server_configured() -> None:
    unset = [v for v in SERVER_ENV if not os.environ.get(v)]
    if unset:
        raise ConfigError(
            f"no OpenMetadata server: set {' and '.join(unset)} (the server's API, e.g. http://openmetadata:8585/api, "
            "and a bot's JWT token) in the environment"
        )


def cmd_validate(args: argparse.Namespace, paths: Paths) -> int:
    counts = _client(paths, "validate", bundle.build(load_classification(), names.load()))
    print("metadata: valid against openmetadata-ingestion's models: "
          + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items()))  # fmt: skip
    return 0


def cmd_push(args: argparse.Namespace, paths: Paths) -> int:
    _server_configured()
    result = _client(paths, "push", bundle.build(load_classification(), names.load()))
    print(f"metadata: pushed {result['tags']} tags, {result['column_tags']} column tags, "
          f"{result['descriptions']} descriptions, {result['lineage']} lineage edges to {SERVER_ENV[0]}")  # fmt: skip
    if result["missing"]:
        print(f"metadata: not in the catalog yet (run the ingestion workflows first): {', '.join(result['missing'])}")
        return 1
    return 0


def cmd_pull(args: argparse.Namespace, paths: Paths) -> int:
    _server_configured()
    n = names.load()
    pulled = _client(paths, "pull", bundle.build(load_classification(), n))
    decided = bundle.pulled_tags(pulled["column_tags"], n)
    current = load_classification().columns
    changed = {c: t for c, t in decided.items() if tuple(current.get(c, ())) != t}
    load_classification().with_tags(decided)  # refuses unknown tags before anything is written
    save_steward_tags(paths, decided)
    print(f"metadata: {len(decided)} columns tagged in the catalog, {len(changed)} differ from classification.toml; "
          f"saved to {paths.state / STEWARD_TAGS}; `pororoca governance sync` applies them")  # fmt: skip
    for column, tags in sorted(changed.items()):
        print(f"  {column}: {list(current.get(column, ()))} -> {list(tags)}", file=sys.stdout)
    return 0


def ingestion_env(paths: Paths, workflow: str) -> dict[str, str]:
    """What a workflow's ${VARIABLES} name, for this stack: addresses from the service ports (Service names in a
    cluster), passwords from the credentials file. Passed in the environment, never on a command line."""
    ports = services.port_values(services.load())
    secrets = credentials.load(paths.credentials)
    n = names.load()
    common = {"POROROCA_OPENMETADATA_URL": os.environ.get(SERVER_ENV[0], ""),
              "POROROCA_OPENMETADATA_TOKEN": os.environ.get(SERVER_ENV[1], "")}  # fmt: skip
    per_workflow = {
        "core": {
            "POROROCA_OM_CORE_SERVICE": n.sources["core"].service,
            "POROROCA_CORE_HOST_PORT": f"{peer_host('postgres')}:{ports['postgres_port']}",
            "POROROCA_CORE_PASSWORD": secrets["postgres_cdc_password"],
        },
        "acquiring": {
            "POROROCA_OM_ACQUIRING_SERVICE": n.sources["acquiring"].service,
            "POROROCA_ACQUIRING_HOST_PORT": f"{peer_host('mariadb')}:{ports['mariadb_port']}",
            "POROROCA_ACQUIRING_PASSWORD": secrets["mariadb_cdc_password"],
        },
        "trino": {
            "POROROCA_OM_TRINO_SERVICE": n.services["trino"],
            "POROROCA_TRINO_HOST_PORT": f"{peer_host('trino')}:{ports['trino_port']}",
            "POROROCA_TRINO_PASSWORD": secrets["trino_steward_password"],
            "POROROCA_TRINO_CA": str(paths.trino_ca),
        },
        "kafka": {
            "POROROCA_OM_KAFKA_SERVICE": n.services["kafka"],
            "POROROCA_KAFKA_BOOTSTRAP": f"{peer_host('kafka')}:{ports['kafka_port']}",
            "POROROCA_KAFKA_CATALOG_PASSWORD": secrets["kafka_catalog_password"],
        },
        "airflow": {
            "POROROCA_OM_AIRFLOW_SERVICE": n.services["airflow"],
            "POROROCA_AIRFLOW_URL": f"http://{peer_host('airflow')}:{ports['airflow_port']}",
            "POROROCA_POSTGRES_HOST_PORT": f"{peer_host('postgres')}:{ports['postgres_port']}",
            "POROROCA_AIRFLOW_DB_PASSWORD": secrets["postgres_airflow_password"],
        },
        "superset": {
            "POROROCA_OM_SUPERSET_SERVICE": n.services["superset"],
            "POROROCA_SUPERSET_URL": f"http://{peer_host('superset')}:{ports['superset_port']}",
            "POROROCA_SUPERSET_ADMIN_PASSWORD": secrets["superset_admin_password"],
        },
    }
    return {**common, **per_workflow[workflow]}


def cmd_ingest(args: argparse.Namespace, paths: Paths) -> int:
    """One ingestion workflow (`metadata ingest`, OpenMetadata's own runner) against this stack."""
    _server_configured()
    workflow = bundle.WORKFLOWS_DIR / f"{args.workflow}.yaml"
    runner = Path(_python(paths)).with_name("metadata")
    env = {**os.environ, **ingestion_env(paths, args.workflow), "PYTHONWARNINGS": "ignore"}
    return subprocess.run([str(runner), "ingest", "-c", str(workflow)], env=env).returncode
