"""`pororoca fraud promote|rollback` (run in the fraud environment): a human moves the `champion` alias, guarded
and recorded on the model versions. The processor follows the alias within a minute, without a restart."""

from __future__ import annotations

import argparse
import json
import time
from typing import Protocol

from pororoca_fraud.features import FEATURES_VERSION
from pororoca_fraud.scoring import load_config

CHALLENGER = "challenger"  # every new version's alias: the processor scores with it in the shadow


class Refused(Exception):
    """A promotion or rollback the guard stops; the message says why and what to do."""


class Registry(Protocol):
    """What the guard needs of a model registry: versions' tags, and aliases to read and move."""

    def tags(self, version: str) -> dict[str, str] | None: ...  # None: no such version
    def alias(self, alias: str) -> str | None: ...
    def set_alias(self, alias: str, version: str) -> None: ...
    def set_tag(self, version: str, key: str, value: str) -> None: ...


class MlflowRegistry:
    """One registered model in MLflow's registry (the client reads MLFLOW_TRACKING_URI and credentials)."""

    def __init__(self, name: str):
        import mlflow
        from mlflow.exceptions import MlflowException

        self.name, self._client, self._missing = name, mlflow.MlflowClient(), MlflowException

    def tags(self, version: str) -> dict[str, str] | None:
        try:
            return dict(self._client.get_model_version(self.name, version).tags)
        except self._missing:
            return None

    def alias(self, alias: str) -> str | None:
        try:
            return str(self._client.get_model_version_by_alias(self.name, alias).version)
        except self._missing:
            return None

    def set_alias(self, alias: str, version: str) -> None:
        self._client.set_registered_model_alias(self.name, alias, version)

    def set_tag(self, version: str, key: str, value: str) -> None:
        self._client.set_model_version_tag(self.name, version, key, value)


def _record(registry: Registry, version: str, action: str, actor: str, reason: str) -> None:
    registry.set_tag(version, f"{action}_at", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    registry.set_tag(version, f"{action}_by", actor)
    registry.set_tag(version, f"{action}_reason", reason[:5000])


def promote(registry: Registry, champion: str, version: str, actor: str, reason: str, force: bool) -> dict:
    tags = registry.tags(version)
    if tags is None:
        raise Refused(f"there is no model version {version}")
    features = tags.get("features_version")
    if features != FEATURES_VERSION:
        raise Refused(f"version {version} was trained on features {features}, the processor computes "
                      f"{FEATURES_VERSION}: retrain it (`pororoca fraud train`)")  # fmt: skip
    verdict = tags.get("gate", "")
    if verdict.startswith("refused") and not force:
        raise Refused(f"the promotion gate refused version {version} ({verdict}); --force to promote it anyway")
    current = registry.alias(champion)
    if current == version:
        raise Refused(f"version {version} is already the {champion}")
    if current is not None:
        registry.set_alias("previous", current)
    registry.set_alias(champion, version)
    _record(registry, version, "promoted", actor, reason + (" (forced past the gate)" if force else ""))
    return {"action": "promote", "champion": version, "previous": current, "actor": actor, "reason": reason,
            "forced": force}  # fmt: skip


def rollback(registry: Registry, champion: str, actor: str, reason: str) -> dict:
    previous, current = registry.alias("previous"), registry.alias(champion)
    if previous is None or current is None:
        raise Refused("nothing to roll back to: there is no `previous` version")
    # Swapped, not dropped: a second rollback undoes the first.
    registry.set_alias(champion, previous)
    registry.set_alias("previous", current)
    _record(registry, previous, "restored", actor, reason)
    _record(registry, current, "rolled_back", actor, reason)
    return {"action": "rollback", "champion": previous, "previous": current, "actor": actor, "reason": reason}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="pororoca_fraud.registry")
    p.add_argument("action", choices=["promote", "rollback"])
    p.add_argument("--version")
    p.add_argument("--actor", required=True)
    p.add_argument("--reason", required=True)
    p.add_argument("--force", action="store_true")
    args = p.parse_args(argv)
    config = load_config()
    registry = MlflowRegistry(config.model_name)
    try:
        if args.action == "promote":
            out = promote(registry, config.model_alias, args.version, args.actor, args.reason, args.force)
        else:
            out = rollback(registry, config.model_alias, args.actor, args.reason)
    except Refused as e:
        print(json.dumps({"refused": str(e)}))
        return 2
    print(json.dumps({"model": config.model_name, **out}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
