"""Handlers of `pororoca dashboards ...` and `pororoca jobs headline`: Superset's KPI dashboards as code (import
`superset_dashboards/`, idempotent: assets are matched by UUID and overwritten; export UI edits back; open every
dashboard in a browser) and the headline KPIs. Arguments are declared in `pororoca.commands`."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from pororoca_core import credentials, progress, services
from pororoca_core.errors import ExitCode
from pororoca_core.paths import Paths
from pororoca_superset import dashboards
from pororoca_superset.superset import Superset, sync_analyst_role


def _assets(args: argparse.Namespace) -> Path:
    return Path(args.dir) if args.dir else dashboards.ASSETS


def _target(paths: Paths) -> dashboards.TrinoTarget:
    secrets = credentials.load(paths.credentials)
    return dashboards.TrinoTarget(
        host=services.peer_host("trino"),
        port=services.port_values(services.load())["trino_port"],
        ca=str(paths.trino_ca) if paths.trino_ca.exists() else None,
        password=secrets.get("trino_superset_password"),
    )


def cmd_apply(args: argparse.Namespace, paths: Paths) -> int:
    trino = _target(paths)
    ss = Superset.connect(paths)
    assets = dashboards.read_dir(_assets(args))
    ss.import_assets(dashboards.to_bundle(assets, trino), dashboards.bundle_passwords(assets, trino))
    slugs = dashboards.dashboard_slugs(assets)
    print(f"dashboards: imported {len(assets)} assets ({', '.join(slugs)})")
    for slug in slugs:  # the import leaves the filters' chart lists with the file's ids
        board = ss.dashboard(slug)
        metadata = json.loads(board["json_metadata"] or "{}")
        scoped = dashboards.charts_in_scope(json.loads(board["position_json"] or "{}"), metadata)
        if scoped != metadata:
            ss.set_dashboard_metadata(board["id"], scoped)
    analyst = credentials.load(paths.credentials)["superset_analyst_password"]
    print(f"dashboards: {sync_analyst_role(ss, analyst, slugs)}")
    print(f"dashboards: open {ss.url}/dashboard/list/")
    return ExitCode.OK


def cmd_export(args: argparse.Namespace, paths: Paths) -> int:
    root = _assets(args)
    ss = Superset.connect(paths)
    assets = dashboards.from_bundle(ss.export_assets(), _target(paths).address)
    changed = dashboards.write_dir(assets, root)
    print(f"dashboards: exported {len(assets)} assets to {root}; {len(changed)} file(s) changed")
    for rel in changed:
        print(f"  {rel}")
    return ExitCode.OK


# Dashboards whose charts may rightly have no data (logged, not a failure; errors, missing charts and blank pages
# still fail): live activity only, nothing before the first live transfer; the fraud model's monitoring, no drift
# before a model is trained and no shadow comparison while no challenger differs from the champion.
MAY_BE_EMPTY = frozenset({"alertas-de-fraude", "modelo-de-fraude"})


def cmd_check(args: argparse.Namespace, paths: Paths) -> int:
    """Open every dashboard as the analyst in headless Chromium; a screenshot of each goes to the logs."""
    from pororoca_superset.browser import DashboardBrowser

    tabs = dashboards.charts_per_tab(dashboards.read_dir(_assets(args)))
    url = Superset.connect(paths).url
    password = credentials.load(paths.credentials)["superset_analyst_password"]
    failed = 0
    with (
        progress.task("dashboards check", total=len(tabs), unit="dashboards") as bar,
        DashboardBrowser(url, "analyst", password) as browser,
    ):
        for slug, charts in tabs.items():
            bar.update(note=slug)
            shot = paths.logs / "dashboards" / f"{slug}.png"
            r = browser.render(slug, charts, screenshot=shot)
            ink = f", {r.ink:.0%} drawn" if r.ink is not None else ""
            bar.log(f"dashboards: {slug}: {len(r.charts)} charts in {r.seconds:.2f}s ({shot}{ink})")
            for problem in r.problems:
                bar.log(f"  {problem}")
            failed += bool(r.problems_besides(empty=slug in MAY_BE_EMPTY))
            bar.update(advance=1)
    return ExitCode.FAILED if failed else ExitCode.OK


def cmd_headline(args: argparse.Namespace, paths: Paths) -> int:
    from pororoca_superset import headline

    return headline.show(paths, date.fromisoformat(args.date) if args.date else None)
