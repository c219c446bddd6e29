"""Decisions of the retraining gate in freight/gate.py."""

import json

import pytest

from freight.gate import (
    DRIFT_AND_ERROR,
    DRIFT_ONLY,
    GateThresholds,
    decide_retraining,
)

THRESHOLDS = GateThresholds(drift_share=0.5, error_increase=0.25)


def test_drift_above_threshold_retrains():
    decision = decide_retraining(0.6, 1000.0, 1000.0, THRESHOLDS)

    assert decision.retrain
    assert decision.drift_fired
    assert not decision.error_fired
    assert decision.mode == DRIFT_AND_ERROR
    assert "0.60 is above the threshold 0.50" in decision.reasons[0]


def test_drift_below_threshold_keeps_model():
    decision = decide_retraining(0.4, 1000.0, 1000.0, THRESHOLDS)

    assert not decision.retrain
    assert not decision.drift_fired
    assert not decision.error_fired
    assert "at or below the threshold" in decision.reasons[0]


def test_drift_equal_to_threshold_keeps_model():
    decision = decide_retraining(0.5, 1000.0, 1000.0, THRESHOLDS)

    assert not decision.drift_fired


def test_error_increase_retrains_without_drift():
    decision = decide_retraining(0.1, 1300.0, 1000.0, THRESHOLDS)

    assert decision.retrain
    assert decision.error_fired
    assert not decision.drift_fired
    assert decision.error_increase == pytest.approx(0.3)
    assert "+30%" in decision.reasons[1]


def test_error_within_limit_keeps_model():
    decision = decide_retraining(0.1, 1200.0, 1000.0, THRESHOLDS)

    assert not decision.retrain
    assert decision.error_increase == pytest.approx(0.2)


def test_lower_error_keeps_model():
    decision = decide_retraining(0.1, 800.0, 1000.0, THRESHOLDS)

    assert not decision.retrain
    assert decision.error_increase == pytest.approx(-0.2)


def test_unlabelled_batch_decides_on_drift_only():
    kept_decision = decide_retraining(0.2, None, 1000.0, THRESHOLDS)
    retrain_decision = decide_retraining(0.7, None, 1000.0, THRESHOLDS)

    assert kept_decision.mode == DRIFT_ONLY
    assert not kept_decision.retrain
    assert kept_decision.error_increase is None
    assert not kept_decision.error_fired
    assert "batch has no labels" in kept_decision.reasons[1]
    assert retrain_decision.mode == DRIFT_ONLY
    assert retrain_decision.retrain


def test_missing_training_error_decides_on_drift_only():
    decision = decide_retraining(0.2, 5000.0, None, THRESHOLDS)

    assert decision.mode == DRIFT_ONLY
    assert not decision.retrain
    assert "no training-time MAE" in decision.reasons[1]


def test_decision_serialises_numbers_and_thresholds():
    decision = decide_retraining(0.6, 1300.0, 1000.0, THRESHOLDS)

    values = json.loads(json.dumps(decision.as_dict()))

    assert values["retrain"] is True
    assert values["drift_share"] == 0.6
    assert values["batch_mae"] == 1300.0
    assert values["reference_mae"] == 1000.0
    assert values["thresholds"] == {"drift_share": 0.5, "error_increase": 0.25}
    assert len(values["reasons"]) == 2


def test_default_thresholds_apply():
    decision = decide_retraining(0.6, None, None)

    assert decision.thresholds == GateThresholds()


@pytest.mark.parametrize(
    ("drift_share", "batch_mae", "reference_mae"),
    [
        (1.5, 100.0, 100.0),
        (-0.1, 100.0, 100.0),
        (0.2, -1.0, 100.0),
        (0.2, float("nan"), 100.0),
        (0.2, 100.0, 0.0),
    ],
)
def test_invalid_inputs_raise(drift_share, batch_mae, reference_mae):
    with pytest.raises(ValueError):
        decide_retraining(drift_share, batch_mae, reference_mae, THRESHOLDS)


@pytest.mark.parametrize(
    ("drift_share", "error_increase"), [(1.2, 0.2), (0.5, -0.1)]
)
def test_invalid_thresholds_raise(drift_share, error_increase):
    with pytest.raises(ValueError):
        GateThresholds(drift_share=drift_share, error_increase=error_increase)
