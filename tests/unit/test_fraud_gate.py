from __future__ import annotations

import pytest

from pororoca_fraud.gate import PromotionPolicy, decide
from pororoca_fraud.scoring import load_config

POLICY = PromotionPolicy(alert_rate=0.01, min_precision_gain=0.0, recall_tolerance=0.05)


def _eval(precision: float, **recall: float) -> dict:
    return {"at_1.0%": {"precision": precision, "recall_by_pattern": recall}}


def test_the_first_model_is_promoted_for_want_of_a_champion():
    assert decide(_eval(0.2, mule_account=0.1), None, POLICY).promote


def test_a_more_precise_challenger_that_keeps_every_pattern_is_promoted():
    d = decide(_eval(0.55, mule_account=0.60, account_takeover=1.0), _eval(0.51, mule_account=0.62,
               account_takeover=1.0), POLICY)  # fmt: skip
    assert d.promote and "0.5500 vs champion 0.5100" in d.reasons[0]


@pytest.mark.parametrize(
    ("challenger", "why"),
    [
        (_eval(0.51, mule_account=0.62), "must exceed"),  # a tie is not a win
        (_eval(0.40, mule_account=0.62), "must exceed"),
        (_eval(0.60, mule_account=0.50), "mule_account recall 0.5000 vs champion 0.6200"),  # bought by going blind
        (_eval(0.60), "mule_account recall 0.0000"),  # a pattern it never alerts on counts as lost
    ],
)
def test_a_challenger_is_refused_with_the_reason(challenger, why):
    d = decide(challenger, _eval(0.51, mule_account=0.62), POLICY)
    assert not d.promote and why in d.summary() and d.summary().startswith("refused")


def test_a_required_gain_and_a_missing_evaluation_refuse():
    strict = PromotionPolicy(alert_rate=0.01, min_precision_gain=0.05, recall_tolerance=0.05)
    assert not decide(_eval(0.55), _eval(0.51), strict).promote
    assert not decide({"at_0.5%": {}}, _eval(0.51), POLICY).promote


def test_the_shipped_policy_is_read_from_the_scoring_configuration():
    policy = load_config().promotion
    assert policy.key == "at_1.0%" and 0 <= policy.recall_tolerance < 1
