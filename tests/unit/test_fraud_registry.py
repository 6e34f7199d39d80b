"""The guard of `pororoca fraud promote|rollback` over an in-memory registry (our logic only; the integration
test moves the real MLflow registry's aliases)."""

from __future__ import annotations

import pytest

from pororoca_fraud.features import FEATURES_VERSION
from pororoca_fraud.registry import Refused, promote, rollback


class Registry:
    def __init__(self, versions: dict[str, dict[str, str]], aliases: dict[str, str]):
        self.versions, self.aliases = versions, dict(aliases)

    def tags(self, version: str) -> dict[str, str] | None:
        return self.versions.get(version)

    def alias(self, alias: str) -> str | None:
        return self.aliases.get(alias)

    def set_alias(self, alias: str, version: str) -> None:
        self.aliases[alias] = version

    def set_tag(self, version: str, key: str, value: str) -> None:
        self.versions[version][key] = value


def _tags(gate: str = "promoted: better") -> dict[str, str]:
    return {"features_version": FEATURES_VERSION, "gate": gate}


def test_promote_keeps_the_replaced_champion_as_previous_and_records_who_and_why():
    reg = Registry({"1": _tags(), "2": _tags()}, {"champion": "1"})
    out = promote(reg, "champion", "2", "ana", "weekly retrain", force=False)
    assert reg.aliases == {"champion": "2", "previous": "1"} and out["previous"] == "1"
    assert reg.versions["2"]["promoted_by"] == "ana" and reg.versions["2"]["promoted_reason"] == "weekly retrain"


def test_the_guard_refuses_a_gate_refusal_unless_forced_other_features_and_unknown_versions():
    reg = Registry({"1": _tags(), "2": _tags("refused: worse"), "3": {"features_version": "old"}}, {"champion": "1"})
    with pytest.raises(Refused, match="--force"):
        promote(reg, "champion", "2", "ana", "why", force=False)
    with pytest.raises(Refused, match="features"):
        promote(reg, "champion", "3", "ana", "why", force=True)
    with pytest.raises(Refused, match="no model version 9"):
        promote(reg, "champion", "9", "ana", "why", force=True)
    with pytest.raises(Refused, match="already"):
        promote(reg, "champion", "1", "ana", "why", force=True)
    assert reg.aliases == {"champion": "1"}
    promote(reg, "champion", "2", "ana", "why", force=True)
    assert reg.aliases["champion"] == "2" and "forced" in reg.versions["2"]["promoted_reason"]


def test_rollback_swaps_so_a_second_rollback_undoes_the_first():
    reg = Registry({"1": _tags(), "2": _tags()}, {"champion": "2", "previous": "1"})
    rollback(reg, "champion", "bo", "alert storm")
    assert reg.aliases == {"champion": "1", "previous": "2"}
    rollback(reg, "champion", "bo", "false alarm")
    assert reg.aliases == {"champion": "2", "previous": "1"}
    with pytest.raises(Refused, match="nothing to roll back"):
        rollback(Registry({"1": _tags()}, {"champion": "1"}), "champion", "bo", "x")
