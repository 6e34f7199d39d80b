"""Run by Superset's own Python (its virtual environment) after an import: the Analyst role, its user and
the KPI dashboards' roles. Analysts get Gamma's read-and-explore permissions plus access to every dataset
in the gold schema, nothing else; the dashboards named on the command line are shown to them (dashboard
RBAC). The analyst's password comes on stdin. Idempotent."""

from __future__ import annotations

import sys

ROLE = "Analyst"
USERNAME = "analyst"
SCHEMA = "gold"


def main(slugs: list[str]) -> None:
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import db, security_manager
        from superset.connectors.sqla.models import SqlaTable
        from superset.models.dashboard import Dashboard

        sm = security_manager
        role = sm.find_role(ROLE) or sm.add_role(ROLE)
        wanted = set(sm.find_role("Gamma").permissions)
        for dataset in db.session.query(SqlaTable).filter(SqlaTable.schema == SCHEMA):
            sm.add_permission_view_menu("datasource_access", dataset.get_perm())
            wanted.add(sm.find_permission_view_menu("datasource_access", dataset.get_perm()))
        role.permissions = sorted(wanted, key=lambda p: p.id)

        for dashboard in db.session.query(Dashboard).filter(Dashboard.slug.in_(slugs)):
            dashboard.roles = [role]
            dashboard.published = True

        password = sys.stdin.read().strip()
        user = sm.find_user(username=USERNAME)
        if user is None:
            sm.add_user(USERNAME, "Analista", "Pororoca", "analyst@pororoca.invalid", role, password=password)
        else:
            user.roles = [role]
            sm.reset_password(user.id, password)
        db.session.commit()
        print(f"role {ROLE}: {len(wanted)} permissions; {len(slugs)} dashboards; user {USERNAME}")


if __name__ == "__main__":
    main(sys.argv[1:])
