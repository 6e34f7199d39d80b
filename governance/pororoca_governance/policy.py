"""Compile the LGPD classification and the access policy into Trino's file-based access rules (pure).

Trino applies the first rule that matches a user and a table, so each role's most specific rules come first:
denied subject-level tables, then masked tables, then its namespaces, then a deny. Unknown users match
nothing but the final deny.
"""

from __future__ import annotations

import json
import re

from pororoca_governance.classification import AccessPolicy, Classification, Reviewed, Role

READ = ["SELECT"]
WRITE = ["SELECT", "INSERT", "DELETE", "UPDATE", "OWNERSHIP"]
# Iceberg metadata tables that expose data files' column bounds or partition values: a CPF or a name is the
# lower and upper bound of a one-row file. Trino's rules see them as tables named `<table>$<kind>`; masks do not
# reach them.
FILE_METADATA = r".*\$(files|all_files|data_files|delete_files|partitions|entries|all_entries|manifests|all_manifests)"


def _alternatives(names: list[str] | tuple[str, ...]) -> str:
    return "|".join(re.escape(n) for n in names)


def mask_expression(template: str, column: str) -> str:
    return template.replace("{c}", '"' + column.replace('"', '""') + '"')


def _table_rules(role: Role, classification: Classification, policy: AccessPolicy) -> list[dict]:
    group, catalog = role.name, policy.catalog
    readable = {ns: READ for ns in role.read} | {ns: WRITE for ns in role.write}
    rules: list[dict] = []
    # The audit is append-only for every role, the platform's included: rows land through the sink (not Trino),
    # the DPO adds erasure receipts, nobody deletes, updates or forges a query record.
    if role.superuser or role.audit:
        if role.audit == "insert":
            rules.append({"group": group, "catalog": catalog, "schema": "audit", "table": "erasure_receipts",
                          "privileges": ["SELECT", "INSERT"]})  # fmt: skip
        # The platform creates the audit tables (OWNERSHIP: create, never DELETE, UPDATE or INSERT).
        owner = ["SELECT", "OWNERSHIP"] if role.superuser else READ
        rules.append({"group": group, "catalog": catalog, "schema": "audit", "privileges": owner})
    masking = role.masked or bool(role.masked_tags)
    if masking or not role.subject_level:
        # A role that is masked or denied anything reads no file-level metadata: it would go around both.
        rules.append({"group": group, "catalog": catalog, "table": FILE_METADATA, "privileges": []})
    if role.superuser:
        readable = {".*": WRITE}
    if not role.subject_level:
        for qualified in sorted(classification.subject_level):
            ns, table = qualified.split(".", 1)
            rules.append({"group": group, "catalog": catalog, "schema": ns, "table": table, "privileges": []})
    if masking:
        only = () if role.masked else role.masked_tags
        for qualified, columns in classification.masked_columns(only).items():
            ns, table = qualified.split(".", 1)
            if ns not in readable or (qualified in classification.subject_level and not role.subject_level):
                continue
            masks = [
                {"name": col, "mask": mask_expression(policy.masks[mask], col)} for col, mask in sorted(columns.items())
            ]
            rules.append({
                "group": group, "catalog": catalog, "schema": ns, "table": table,
                "privileges": readable[ns], "columns": masks,
            })  # fmt: skip
    for privileges in (WRITE, READ, ["SELECT", "INSERT"]):
        namespaces = sorted(ns for ns, p in readable.items() if p == privileges)
        if namespaces:
            schema = ".*" if role.superuser else _alternatives(namespaces)
            rules.append({"group": group, "catalog": catalog, "schema": schema, "privileges": privileges})
    if role.view_all_queries:
        rules.append({"group": group, "catalog": "system", "privileges": READ})
    rules.append({"group": group, "privileges": []})
    return rules


def compile_rules(classification: Classification, policy: AccessPolicy) -> dict:
    roles = list(policy.roles.values())
    catalogs: list[dict] = []
    for role in roles:
        writes = role.superuser or bool(role.write) or role.audit == "insert"
        catalogs.append({"group": role.name, "catalog": policy.catalog, "allow": "all" if writes else "read-only"})
    privileged = _alternatives([r.name for r in roles if r.view_all_queries])
    catalogs += [{"group": privileged, "catalog": "system", "allow": "read-only"}, {"allow": "none"}]

    schemas: list[dict] = []
    for role in roles:
        if role.superuser:
            schemas.append({"group": role.name, "owner": True})
        elif role.ddl:
            schemas.append({"group": role.name, "schema": _alternatives(sorted(role.write)), "owner": True})
    schemas.append({"owner": False})

    tables = [rule for role in roles for rule in _table_rules(role, classification, policy)]
    tables.append({"privileges": []})

    retention = _alternatives([r.name for r in roles if r.retention])
    return {
        "catalogs": catalogs,
        "schemas": schemas,
        "tables": tables,
        # Query text can hold a CPF: only privileged roles see other users' queries.
        "queries": [{"group": privileged, "allow": ["execute", "kill", "view"]}, {"allow": ["execute"]}],
        "catalog_session_properties": [
            {"group": retention, "allow": True},
            {"property": _alternatives(policy.retention_session_properties), "allow": False},
            {"allow": True},
        ],
    }


def table_procedures(policy: AccessPolicy) -> str:
    """Who may run Iceberg table procedures (optimize, expire_snapshots, remove_orphan_files): on the namespaces
    they write, the roles that own schemas (DDL) and those that rewrite history for an erasure (retention); the
    superuser everywhere. Read by our Trino access
    control `pororoca-table-procedures` (governance/trino-audit), since the file-based rules allow them to all."""
    lines = [
        "# Generated by `pororoca governance compile` from governance/lgpd/access.toml: edit that file instead.",
        "access-control.name=pororoca-table-procedures",
    ]
    for role in policy.roles.values():
        if role.superuser:
            lines.append(f"group.{role.name}=.*")
        elif (role.ddl or role.retention) and role.write:
            lines.append(f"group.{role.name}={_alternatives(sorted(role.write))}")
    return "\n".join(lines) + "\n"


def render_rules(rules: dict) -> str:
    return json.dumps(rules, indent=2, ensure_ascii=False) + "\n"


def group_file(policy: AccessPolicy) -> str:
    """Trino's file group provider: `group:user,user` per line."""
    return "".join(f"{r.name}:{','.join(r.users)}\n" for r in policy.roles.values())


def reviewed_columns(classification: Classification, reviewed: Reviewed, policy: AccessPolicy) -> str:
    """What our Trino access control `pororoca-unreviewed-columns` (governance/trino-audit) reads: in the watched
    namespaces, the columns each table may show the masked roles as they are (reviewed, or classified and so
    masked by the file-based rules when they must be); any other column reads as NULL for those roles. Properties,
    because the plugin has no JSON parser of its own; re-read by the plugin when it changes."""
    tables = {t: set(cs) for t, cs in reviewed.tables.items()}
    for column in classification.columns:
        table, name = column.rsplit(".", 1)
        if table.split(".", 1)[0] in reviewed.namespaces:
            tables.setdefault(table, set()).add(name)
    lines = [
        "# Generated by `pororoca governance compile|sync` from governance/lgpd/reviewed.toml and classification.toml.",
        f"catalog={policy.catalog}",
        "groups=" + ",".join(sorted(r.name for r in policy.roles.values() if r.masked)),
        "namespaces=" + ",".join(reviewed.namespaces),
    ]
    lines += [f"every.{ns}={','.join(sorted(cs))}" for ns, cs in sorted(reviewed.every_table.items())]
    lines += [f"table.{t}={','.join(sorted(cs))}" for t, cs in sorted(tables.items())]
    return "\n".join(lines) + "\n"
