"""Open Finance consents and their permissions."""

from __future__ import annotations

from datetime import UTC, timedelta

from pororoca_sources import domain as d
from pororoca_sources.generate.base import (
    Customer,
    Sampler,
    Table,
)


def add_consents(s: Sampler, customers: list[Customer], n: int, core: dict[str, Table]) -> None:
    t = core["open_finance_consents"] = Table(
        (
            "consent_id",
            "customer_id",
            "recipient_institution",
            "status",
            "created_at",
            "expires_at",
            "revoked_at",
            "updated_at",
        )
    )
    p = core["consent_permissions"] = Table(("consent_id", "permission"))
    for _ in range(n):
        c = s.rng.choice(customers)
        created = s.moment(min(730, max(1, (s.as_of - c.signup).days)), d.HOURLY_PIX)
        expires = created + timedelta(days=365)
        status = s.weighted(("AUTHORISED", "REVOKED", "REJECTED", "AWAITING_AUTHORISATION"), (68, 14, 6, 4))
        if status == "AUTHORISED" and expires.date() < s.as_of:
            status = "EXPIRED"
        revoked = created + timedelta(days=s.rng.randint(1, 200)) if status == "REVOKED" else None
        if revoked and revoked > s.end:
            revoked = s.end.astimezone(UTC)
        cid = s.uuid()
        t.rows.append(
            (cid, c.id, s.rng.choice(d.CONSENT_RECIPIENTS), status, created, expires, revoked, revoked or created)
        )
        perms = ["RESOURCES_READ", *s.rng.sample(d.CONSENT_PERMISSIONS, k=s.rng.randint(2, 6))]
        p.rows.extend((cid, perm) for perm in perms)
