"""Runs in OpenMetadata's own environment (component `openmetadata`): validates the bundle `bundle.py` built
against the ingestion package's models, and pushes it to / pulls steward tags from a server. Reads the bundle as
JSON on stdin, writes a JSON result on stdout; the server's address and token come from the environment
(POROROCA_OPENMETADATA_URL, POROROCA_OPENMETADATA_TOKEN), never from the command line."""

from __future__ import annotations

import json
import os
import re
import sys
import uuid

import yaml
from metadata.generated.schema.api.classification.createClassification import CreateClassificationRequest
from metadata.generated.schema.api.classification.createTag import CreateTagRequest
from metadata.generated.schema.api.lineage.addLineage import AddLineageRequest
from metadata.generated.schema.metadataIngestion.workflow import OpenMetadataWorkflowConfig
from metadata.generated.schema.type.tagLabel import TagLabel

PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def _tag_label(fqn: str) -> TagLabel:
    return TagLabel.model_validate(
        {"tagFQN": fqn, "source": "Classification", "labelType": "Manual", "state": "Confirmed"}
    )


def _lineage(edge: dict, ids: dict[str, str]) -> AddLineageRequest:
    return AddLineageRequest.model_validate(
        {
            "edge": {
                "fromEntity": {"id": ids[edge["from"]], "type": "table"},
                "toEntity": {"id": ids[edge["to"]], "type": edge["to_type"]},
                "lineageDetails": {"description": edge["description"], "source": "Manual"},
            }
        }
    )


def _workflow(text: str) -> OpenMetadataWorkflowConfig:
    """A workflow as `metadata ingest` reads it, its ${VARIABLES} filled with shape-correct stand-ins."""

    def stand_in(m: re.Match) -> str:
        name = m.group(1)
        if name.endswith("_URL"):
            return "https://openmetadata.invalid:8585/api"
        if name.endswith(("_HOST_PORT", "_BOOTSTRAP")):
            return "host.invalid:1"
        return "stand-in"

    return OpenMetadataWorkflowConfig.model_validate(yaml.safe_load(PLACEHOLDER.sub(stand_in, text)))


def validate(bundle: dict) -> dict:
    counts = {"classification": 1, "tags": 0, "column_tags": 0, "lineage": 0, "workflows": 0}
    CreateClassificationRequest.model_validate(bundle["classification"])
    for tag in bundle["tags"]:
        CreateTagRequest.model_validate(tag)
        counts["tags"] += 1
    for columns in bundle["column_tags"].values():
        for c in columns:
            for fqn in c["tags"]:
                _tag_label(fqn)
                counts["column_tags"] += 1
    ids = {e[k]: str(uuid.uuid5(uuid.NAMESPACE_URL, e[k])) for e in bundle["lineage"] for k in ("from", "to")}
    for edge in bundle["lineage"]:
        _lineage(edge, ids)
        counts["lineage"] += 1
    for text in bundle["workflows"].values():
        _workflow(text)
        counts["workflows"] += 1
    return counts


def _server():
    from metadata.generated.schema.entity.services.connections.metadata.openMetadataConnection import (
        AuthProvider,
        OpenMetadataConnection,
    )
    from metadata.generated.schema.security.client.openMetadataJWTClientConfig import OpenMetadataJWTClientConfig
    from metadata.ingestion.ometa.ometa_api import OpenMetadata

    connection = OpenMetadataConnection(
        hostPort=os.environ["POROROCA_OPENMETADATA_URL"],
        authProvider=AuthProvider.openmetadata,
        securityConfig=OpenMetadataJWTClientConfig(jwtToken=os.environ["POROROCA_OPENMETADATA_TOKEN"]),
    )
    return OpenMetadata(connection)


def push(bundle: dict) -> dict:
    from metadata.generated.schema.entity.data.dashboard import Dashboard
    from metadata.generated.schema.entity.data.table import Table
    from metadata.ingestion.models.table_metadata import ColumnTag

    validate(bundle)
    om = _server()
    om.create_or_update(CreateClassificationRequest.model_validate(bundle["classification"]))
    for tag in bundle["tags"]:
        om.create_or_update(CreateTagRequest.model_validate(tag))
    missing: set[str] = set()
    tables: dict[str, Table] = {}

    def table(fqn: str) -> Table | None:
        if fqn not in tables:
            found = om.get_by_name(entity=Table, fqn=fqn, fields=["columns", "tags"])
            if found is None:
                missing.add(fqn)
                return None
            tables[fqn] = found
        return tables[fqn]

    tagged = 0
    for fqn, columns in bundle["column_tags"].items():
        t = table(fqn)
        if t is None:
            continue
        labels = [
            ColumnTag(column_fqn=f"{fqn}.{c['column']}", tag_label=_tag_label(tag))
            for c in columns
            for tag in c["tags"]
        ]
        om.patch_column_tags(entity=t, column_tags=labels)
        tagged += len(labels)
    described = 0
    for fqn, text in bundle["descriptions"].items():
        t = table(fqn)
        if t is not None:
            om.patch_description(entity=Table, source=t, description=text, force=False)
            described += 1
    dashboards = {
        (d.displayName or d.name.root): str(d.id.root)
        for d in om.list_all_entities(entity=Dashboard, params={"service": bundle["services"]["superset"]})
    }
    ids: dict[str, str] = {}
    for edge in bundle["lineage"]:
        for key, kind in (("from", "table"), ("to", edge["to_type"])):
            name = edge[key]
            if kind == "dashboard":
                if name in dashboards:
                    ids[name] = dashboards[name]
                else:
                    missing.add(f"dashboard {name!r}")
            elif (t := table(name)) is not None:
                ids[name] = str(t.id.root)
    linked = 0
    for edge in bundle["lineage"]:
        if edge["from"] in ids and edge["to"] in ids:
            om.add_lineage(_lineage(edge, ids), return_lineage=False)
            linked += 1
    return {
        "tags": len(bundle["tags"]),
        "column_tags": tagged,
        "descriptions": described,
        "lineage": linked,
        "missing": sorted(missing),
    }


def pull(bundle: dict) -> dict:
    from metadata.generated.schema.entity.data.table import Table

    om = _server()
    prefix = bundle["classification_name"] + "."
    tags: dict[str, list[str]] = {}
    missing = []
    for fqn in bundle["tables"]:
        t = om.get_by_name(entity=Table, fqn=fqn, fields=["columns"])
        if t is None:
            missing.append(fqn)
            continue
        for c in t.columns:
            ours = [label.tagFQN.root for label in (c.tags or []) if label.tagFQN.root.startswith(prefix)]
            if ours:
                tags[f"{fqn}.{c.name.root}"] = ours
    return {"column_tags": tags, "missing": missing}


def main() -> int:
    action = sys.argv[1]
    bundle = json.load(sys.stdin)
    result = {"validate": validate, "push": push, "pull": pull}[action](bundle)
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
