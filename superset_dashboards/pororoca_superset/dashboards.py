"""Superset dashboards as code. `superset_dashboards/` holds Superset's own asset format (one YAML file per
database, dataset, chart and dashboard, linked by UUID), normalised so that a file changes only when its
meaning does: no numeric ids, no derived state, sorted keys, the Trino address as placeholders, and each
chart's saved query as YAML rather than an embedded JSON string. `apply` turns the directory into an import
bundle; `export` turns Superset's export back into the directory."""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from pororoca_core.errors import ConfigError
from pororoca_core.render import render

ASSETS = Path(__file__).resolve().parents[2] / "superset_dashboards"
KINDS = ("databases", "datasets", "charts", "dashboards")
TRINO_PLACEHOLDER = "${trino_host}:${trino_port}"
# Derived by Superset from the rest (ids, colour assignments made while rendering): never worth a diff.
_CHART_PARAMS_DROP = ("datasource", "slice_id", "dashboards")
_DASHBOARD_METADATA_DROP = ("shared_label_colors", "map_label_colors", "color_scheme_domain", "positions")

Assets = dict[str, dict]  # path relative to the assets root -> parsed YAML


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


def dump(obj: object) -> str:
    return yaml.safe_dump(obj, sort_keys=True, allow_unicode=True, width=120, default_flow_style=False)


def read_dir(root: Path = ASSETS) -> Assets:
    assets = {}
    for kind in KINDS:
        for path in sorted((root / kind).rglob("*.yaml")):
            assets[str(path.relative_to(root))] = yaml.safe_load(path.read_text())
    if not assets:
        raise ConfigError(f"no Superset assets under {root}")
    return assets


def write_dir(assets: Assets, root: Path = ASSETS) -> list[str]:
    """Replace the directory's assets with these; returns the files whose content changed."""
    changed = []
    stale = {p for kind in KINDS for p in (root / kind).rglob("*.yaml")}
    for rel, obj in sorted(assets.items()):
        path = root / rel
        text = dump(obj)
        stale.discard(path)
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            changed.append(rel)
    for path in sorted(stale):
        path.unlink()
        changed.append(str(path.relative_to(root)))
    return changed


def _name(kind: str, obj: dict) -> str:
    if kind == "databases":
        return f"databases/{slug(obj['database_name'])}.yaml"
    if kind == "datasets":
        return f"datasets/{slug(obj['schema'] or 'default')}/{slug(obj['table_name'])}.yaml"
    if kind == "charts":
        return f"charts/{slug(obj['slice_name'])}.yaml"
    return f"dashboards/{slug(obj.get('slug') or obj['dashboard_title'])}.yaml"


@dataclass(frozen=True)
class TrinoTarget:
    """How this installation's Superset reaches Trino: the address, and (when Trino speaks HTTPS with
    passwords) the certificate to trust and the `superset` user's password. None of it is kept in the
    repository: the database asset is the same for every installation."""

    host: str
    port: int
    ca: str | None = None
    password: str | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


_MASKED_PASSWORD = "XXXXXXXXXX"  # how Superset exports (and accepts on import) a stored password


def normalise(kind: str, obj: dict, trino_address: str) -> dict:
    """One exported asset as the repository keeps it."""
    obj = json.loads(json.dumps(obj))  # a deep copy
    if kind == "databases":
        uri = obj["sqlalchemy_uri"].replace(f":{_MASKED_PASSWORD}@", "@")
        obj["sqlalchemy_uri"] = uri.replace(trino_address, TRINO_PLACEHOLDER)
        obj.get("extra", {}).get("engine_params", {}).pop("connect_args", None)
    elif kind == "charts":
        for key in _CHART_PARAMS_DROP:
            obj.get("params", {}).pop(key, None)
        context = obj.get("query_context")
        if isinstance(context, str):
            context = json.loads(context)
        if context:
            context.pop("datasource", None)
            context.pop("form_data", None)  # the chart's params, kept once
            for query in context.get("queries", []):
                query.pop("datasource", None)
        obj["query_context"] = context or None
    elif kind == "dashboards":
        for key in _DASHBOARD_METADATA_DROP:
            obj.get("metadata", {}).pop(key, None)
        for f in obj.get("metadata", {}).get("native_filter_configuration", []):
            f["chartsInScope"] = []  # derived from the filter's scope by `apply` (`charts_in_scope`)
        _stable_chart_ids(obj)
    return obj


def charts_in_scope(position: dict, metadata: dict) -> dict:
    """The dashboard's metadata with each native filter's `chartsInScope` derived from its `scope`: the charts of
    the layout under one of its `rootPath` nodes and not `excluded`. Superset's UI writes that list when a filter
    is saved, its import does not re-map it to the new chart ids, and on a dashboard with tabs a filter whose list
    names none of the shown tab's charts is put aside as out of scope (and not applied)."""
    charts = [n for n in position.values() if isinstance(n, dict) and n.get("type") == "CHART"]
    out = json.loads(json.dumps(metadata))
    for f in out.get("native_filter_configuration", []):
        scope = f.get("scope") or {}
        roots, excluded = set(scope.get("rootPath") or ["ROOT_ID"]), set(scope.get("excluded") or [])
        f["chartsInScope"] = sorted(
            c["meta"]["chartId"] for c in charts
            if roots & {*c.get("parents", []), c["id"]} and c["meta"]["chartId"] not in excluded
        )  # fmt: skip
    return out


def _stable_chart_ids(dashboard: dict) -> None:
    """Chart ids differ between Superset installations; the import re-maps them by UUID from the layout. Replace
    them with 1..n in UUID order, wherever the layout and the metadata name them, so the file stays the same."""
    charts = [n for n in (dashboard.get("position") or {}).values() if isinstance(n, dict) and n.get("type") == "CHART"]
    ids = {n["meta"]["chartId"]: n["meta"]["uuid"] for n in charts if "chartId" in n.get("meta", {})}
    stable = {old: i for i, (old, _) in enumerate(sorted(ids.items(), key=lambda kv: kv[1]), start=1)}

    def remap(value: Any) -> Any:
        return stable.get(value, value) if isinstance(value, int) else value

    def remap_scope(node: dict) -> None:
        for key in ("excluded", "chartsInScope"):
            if isinstance(node.get(key), list):
                node[key] = sorted(remap(v) for v in node[key])
        if isinstance(node.get("scope"), dict):
            remap_scope(node["scope"])

    for node in charts:
        node["meta"]["chartId"] = remap(node["meta"].get("chartId"))
    meta = dashboard.get("metadata") or {}
    for f in meta.get("native_filter_configuration", []):
        remap_scope(f)
    if isinstance(meta.get("global_chart_configuration"), dict):
        remap_scope(meta["global_chart_configuration"])
    config = {}
    for key, conf in (meta.get("chart_configuration") or {}).items():
        new_id = remap(int(key))
        conf["id"] = new_id
        remap_scope(conf.get("crossFilters") or {})
        config[str(new_id)] = conf
    if "chart_configuration" in meta:
        meta["chart_configuration"] = config
    if "timed_refresh_immune_slices" in meta:
        meta["timed_refresh_immune_slices"] = sorted(remap(v) for v in meta["timed_refresh_immune_slices"])
    if "expanded_slices" in meta:
        meta["expanded_slices"] = {str(remap(int(k))): v for k, v in meta["expanded_slices"].items()}


def from_bundle(bundle: bytes, trino_address: str) -> Assets:
    """Superset's export zip (`<root>/<kind>/...yaml`) as normalised repository assets."""
    assets = {}
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        for name in z.namelist():
            parts = name.split("/")
            if len(parts) < 3 or parts[1] not in KINDS or not name.endswith(".yaml"):
                continue
            kind = parts[1]
            obj = normalise(kind, yaml.safe_load(z.read(name)), trino_address)
            assets[_name(kind, obj)] = obj
    return assets


def to_bundle(assets: Assets, trino: TrinoTarget) -> bytes:
    """The repository's assets as a Superset import bundle for this stack's Trino (its password goes in the
    import request, see `bundle_passwords`)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "pororoca/metadata.yaml",
            dump({"version": "1.0.0", "type": "assets", "timestamp": datetime.now(UTC).isoformat()}),
        )
        for rel, obj in sorted(assets.items()):
            obj = json.loads(json.dumps(obj))
            if rel.startswith("databases/"):
                uri = render(obj["sqlalchemy_uri"], {"trino_host": trino.host, "trino_port": str(trino.port)}, rel)
                if trino.password:
                    user, rest = uri.split("://", 1)[1].split("@", 1)
                    uri = f"trino://{user}:{_MASKED_PASSWORD}@{rest}"
                obj["sqlalchemy_uri"] = uri
                if trino.ca:
                    engine = obj.setdefault("extra", {}).setdefault("engine_params", {})
                    engine["connect_args"] = {"http_scheme": "https", "verify": trino.ca}
            if rel.startswith("charts/") and obj.get("query_context"):
                context = obj["query_context"]
                context["form_data"] = obj["params"]
                obj["query_context"] = json.dumps(context, sort_keys=True)
            z.writestr(f"pororoca/{rel}", dump(obj))
    return out.getvalue()


def bundle_passwords(assets: Assets, trino: TrinoTarget) -> dict[str, str]:
    """The `passwords` field of Superset's import: each database file (path below the bundle root) -> its password."""
    if not trino.password:
        return {}
    return {rel: trino.password for rel in assets if rel.startswith("databases/")}


def dashboard_slugs(assets: Assets) -> list[str]:
    return sorted(charts_per_tab(assets))


def charts_per_tab(assets: Assets) -> dict[str, tuple[int, ...]]:
    """Dashboard slug -> how many charts each of its top-level tabs holds, in the order the tabs are shown (one
    number for a dashboard without tabs). Superset draws a tab's charts the first time the tab is shown, so a
    browser settles tab by tab; charts above the tabs are shown with the first."""
    out = {}
    for rel, obj in assets.items():
        if not rel.startswith("dashboards/"):
            continue
        position = obj["position"]
        tabs = [c for n in position.values() if isinstance(n, dict) and n.get("type") == "TABS"
                and n.get("parents") == ["ROOT_ID"] for c in n["children"]]  # fmt: skip
        counts = dict.fromkeys(tabs or [""], 0)
        for node in position.values():
            if isinstance(node, dict) and node.get("type") == "CHART":
                tab = next((p for p in node["parents"] if p in counts), next(iter(counts)))
                counts[tab] += 1
        out[obj["slug"]] = tuple(counts.values())
    return out
