"""Fully qualified names of the lake's assets in OpenMetadata, from `metadata/openmetadata.toml` (pure)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pororoca_core.errors import ConfigError
from pororoca_core.lakehouse import CATALOG

CONFIG_PATH = Path(__file__).resolve().parent.parent / "openmetadata.toml"


@dataclass(frozen=True)
class Source:
    service: str
    database: str
    schema: str


@dataclass(frozen=True)
class Names:
    classification: str
    services: dict[str, str]
    sources: dict[str, Source]  # bronze prefix -> source system

    def lake_table(self, qualified: str) -> str:
        """`silver.pix_transfers` -> `pororoca_trino.lakehouse.silver.pix_transfers`."""
        return f"{self.services['trino']}.{CATALOG}.{qualified}"

    def source_table(self, bronze: str) -> str:
        """The source a bronze change log captures: bronze.core_accounts -> pororoca_core.core.public.accounts."""
        name = bronze.split(".", 1)[1]
        for prefix, s in self.sources.items():
            if name.startswith(prefix + "_"):
                return f"{s.service}.{s.database}.{s.schema}.{name[len(prefix) + 1 :]}"
        raise ConfigError(f"{bronze}: no source in openmetadata.toml has its prefix ({sorted(self.sources)})")

    def tag(self, name: str) -> str:
        return f"{self.classification}.{name}"


def load(path: Path = CONFIG_PATH) -> Names:
    data = tomllib.loads(path.read_text())
    return Names(
        classification=data["classification"],
        services=dict(data["services"]),
        sources={k: Source(**v) for k, v in data["sources"].items()},
    )
