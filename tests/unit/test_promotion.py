"""The promotion rule: only a model that wins by the margin replaces."""

from __future__ import annotations

import pytest

from freight.promotion import decide_promotion


def test_first_version_promoted():
    decision = decide_promotion("mae", 4000.0, None, 0.01)
    assert decision.promote
    assert "no production" in decision.reason


def test_better_mae_promoted():
    assert decide_promotion("mae", 3000.0, 4000.0, 0.01).promote


def test_worse_mae_not_promoted():
    decision = decide_promotion("mae", 4100.0, 4000.0, 0.01)
    assert not decision.promote
    assert "does not beat" in decision.reason


def test_gain_below_margin_not_promoted():
    assert not decide_promotion("mae", 3990.0, 4000.0, 0.01).promote


def test_tie_not_promoted():
    assert not decide_promotion("mae", 4000.0, 4000.0, 0.0).promote


def test_r2_higher_is_better():
    assert decide_promotion("r2", 0.80, 0.70, 0.01).promote
    assert not decide_promotion("r2", 0.69, 0.70, 0.01).promote


def test_unknown_metric_rejected():
    with pytest.raises(ValueError, match="unknown promotion metric"):
        decide_promotion("accuracy", 1.0, 1.0, 0.0)
