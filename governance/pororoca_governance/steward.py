"""Tags stewards decided in the catalog (OpenMetadata), as pulled by `pororoca metadata pull`: kept in the
stack's state (0600) and merged over classification.toml by `governance sync`."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pororoca_core.paths import Paths
from pororoca_governance.classification import Classification

STEWARD_TAGS = Path("metadata") / "steward-tags.json"


def save_steward_tags(paths: Paths, tags: dict[str, tuple[str, ...]]) -> Path:
    path = paths.state / STEWARD_TAGS
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({c: list(t) for c, t in sorted(tags.items())}, f, indent=2)
    os.replace(tmp, path)
    return path


def with_steward_tags(paths: Paths, classification: Classification) -> Classification:
    path = paths.state / STEWARD_TAGS
    if not path.exists():
        return classification
    return classification.with_tags({c: tuple(t) for c, t in json.loads(path.read_text()).items()})
