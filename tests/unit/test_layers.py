"""The package graph is one-way: foundation <- features <- CLI. A forbidden import fails here, with its place."""

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOUNDATION = "pororoca_core"
CLI = "pororoca"
FEATURES = {
    "pororoca_stack": "stack", "pororoca_superset": "superset_dashboards", "pororoca_sources": "sources",
    "pororoca_cdc": "cdc", "pororoca_catalog": "iceberg_catalog", "pororoca_spark": "spark_apps",
    "pororoca_governance": "governance", "pororoca_fraud": "fraud", "pororoca_metadata": "metadata",
    "pororoca_feeds": "feeds",
}  # fmt: skip
DIRS = {FOUNDATION: "stack", CLI: "stack", **FEATURES}
OURS = set(DIRS)


@cache
def init_source(root: Path, package: str) -> str:
    return (root / DIRS[package] / package / "__init__.py").read_text()


def public_api(package: str) -> set[str]:
    tree = ast.parse(init_source(ROOT, package))
    names = [n.value for n in ast.walk(tree) if isinstance(n, ast.Assign) and n.targets[0].id == "__all__"]
    return {ast.literal_eval(v) for v in names for v in v.elts} if names else set()


def imports(package: str):
    """(file:line, imported module, imported names) for every import of ours, at any depth of the code."""
    for path in sorted((ROOT / DIRS[package] / package).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in OURS:
                        yield where, alias.name, ()
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.split(".")[0] in OURS:
                    yield where, node.module, tuple(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level:
                yield where, f"{package}.{node.module or ''}".rstrip("."), tuple(a.name for a in node.names)


def violations(package: str) -> list[str]:
    found = []
    for where, module, names in imports(package):
        target = module.split(".")[0]
        if target in (package, FOUNDATION) or package == CLI:
            continue
        if package == FOUNDATION:
            found.append(f"{where}: the foundation imports {module}")
        elif target == CLI:
            found.append(f"{where}: a feature imports the CLI ({module})")
        elif module != target or not names or not set(names) <= public_api(target):
            found.append(f"{where}: {module} {names} is not in {target}.__all__")
    return found


def test_every_package_is_known_and_has_its_directory():
    on_disk = {p.parent.name for p in ROOT.glob("*/pororoca*/__init__.py")}
    assert on_disk == OURS


def test_the_foundation_imports_nothing_of_ours_and_features_only_the_foundation_and_public_apis():
    assert [v for package in OURS for v in violations(package)] == []


def test_the_cli_loads_feature_code_only_when_a_command_runs():
    """Module-level imports of the CLI reach the foundation only; handlers are named by string."""
    for path in (ROOT / "stack" / CLI).glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in FEATURES:
                raise AssertionError(f"{path.name}:{node.lineno} imports {node.module} at load time")


def test_the_rule_catches_a_forbidden_import(tmp_path, monkeypatch):
    bad = tmp_path / "governance" / "pororoca_governance"
    bad.mkdir(parents=True)
    (bad / "__init__.py").write_text("__all__ = ['prepare_trino_security']\n")
    (bad / "leak.py").write_text("def f():\n    from pororoca_spark.session import session\n")
    (tmp_path / "spark_apps" / "pororoca_spark").mkdir(parents=True)
    (tmp_path / "spark_apps" / "pororoca_spark" / "__init__.py").write_text("__all__ = ['silver_tables']\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert violations("pororoca_governance") == [
        "governance/pororoca_governance/leak.py:2: pororoca_spark.session ('session',) is not in pororoca_spark.__all__"
    ]
