"""Where Pororoca keeps installs (cache) and everything it runs (state). Both live outside the repo."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _default_state() -> Path:
    # As root, PostgreSQL must run as an unprivileged user that cannot traverse /root: keep state in /var/lib.
    if os.geteuid() == 0:
        return Path("/var/lib/pororoca")
    return Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state")) / "pororoca"


def _default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pororoca"


@dataclass(frozen=True)
class Paths:
    cache: Path
    state: Path

    @classmethod
    def from_env(cls) -> Paths:
        cache = os.environ.get("POROROCA_CACHE_DIR")
        state = os.environ.get("POROROCA_STATE_DIR")
        return cls(
            cache=Path(cache) if cache else _default_cache(),
            state=Path(state) if state else _default_state(),
        )

    @property
    def components(self) -> Path:
        return self.cache / "components"

    @property
    def maven_repo(self) -> Path:
        return self.cache / "m2"

    @property
    def go(self) -> Path:
        return self.cache / "go"

    @property
    def credentials(self) -> Path:
        return self.state / "credentials.json"

    @property
    def tls(self) -> Path:
        """Generated keys and certificates (Trino's HTTPS): private files, never in git."""
        return self.state / "tls"

    @property
    def trino_ca(self) -> Path:
        """The certificate clients trust for Trino's HTTPS (self-signed, generated on first start)."""
        return self.tls / "trino-ca.pem"

    @property
    def conf(self) -> Path:
        return self.state / "conf"

    @property
    def logs(self) -> Path:
        return self.state / "logs"

    @property
    def data(self) -> Path:
        return self.state / "data"

    def component_home(self, name: str, version: str) -> Path:
        return self.components / f"{name}-{version}"
