"""Drift check of a batch whose feature column has no value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitoring.drift import DriftSettings, check_drift

SETTINGS = DriftSettings(columns=("weight_kg", "total_value", "country"))


def _features(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "weight_kg": rng.uniform(10, 1000, rows),
            "total_value": rng.uniform(100, 50000, rows),
            "country": rng.choice(["Nigeria", "Zambia", "Haiti"], rows),
        }
    )


def test_empty_batch_column_left_untested():
    reference = _features(200, seed=1)
    current = _features(60, seed=2)
    current["weight_kg"] = np.nan

    result = check_drift(reference, current, SETTINGS, include_html=False)

    assert result.untested_columns == ["weight_kg"]
    assert [c.column for c in result.columns] == ["total_value", "country"]
    weight = next(q for q in result.quality if q.column == "weight_kg")
    assert weight.missing_current == 1.0
    assert result.as_dict()["untested_columns"] == ["weight_kg"]


def test_empty_reference_column_left_untested():
    reference = _features(200, seed=1)
    reference["total_value"] = np.nan
    current = _features(60, seed=2)

    result = check_drift(reference, current, SETTINGS, include_html=False)

    assert result.untested_columns == ["total_value"]


def test_every_column_empty_rejected():
    reference = _features(200, seed=1)
    current = _features(60, seed=2)
    current[["weight_kg", "total_value", "country"]] = np.nan

    with pytest.raises(ValueError) as error:
        check_drift(reference, current, SETTINGS, include_html=False)
    assert "no column left to test" in str(error.value)
    assert "weight_kg" in str(error.value)
