"""LGPD in force: classification as code, Trino identities and access rules, data-subject requests, audit.

Public API for other packages (the runtime prepares Trino's security with it before Trino starts)."""

from __future__ import annotations

from pororoca_core.paths import Paths
from pororoca_governance.classification import Classification, load_classification
from pororoca_governance.steward import STEWARD_TAGS, save_steward_tags

__all__ = ["STEWARD_TAGS", "Classification", "load_classification", "prepare_trino_security", "save_steward_tags"]


def prepare_trino_security(paths: Paths, host: str) -> None:
    """Trino's TLS key pair, the CA bundle clients trust, and its users, groups and access rules compiled
    from the LGPD classification (what `governance sync` writes)."""
    from pororoca_governance import trino_security

    trino_security.ensure_tls(paths, host)
    trino_security.ensure_ca_bundle(paths)
    trino_security.sync(paths)
