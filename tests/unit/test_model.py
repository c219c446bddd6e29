"""FreightModel on a few hundred real shipments with few trees."""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pandas as pd
import pytest

from freight import cleaning, contract, features
from freight.model import (
    META_FILE,
    _pool,
    FreightModel,
    ModelParams,
    calibrate,
)
from tests.conftest import DATA_FILE

FAST_PARAMS = ModelParams(
    iterations=60,
    quantile_iterations=60,
    learning_rate=0.2,
    depth=4,
    thread_count=2,
)


@pytest.fixture(scope="module")
def labelled() -> pd.DataFrame:
    raw = contract.read_raw_csv(DATA_FILE).head(600)
    shipments, _ = cleaning.clean_shipments(raw)
    labelled = shipments[shipments["freight_usd"].notna()]
    return labelled.reset_index(drop=True)


@pytest.fixture(scope="module")
def table(labelled) -> pd.DataFrame:
    return features.build_features(labelled)


@pytest.fixture(scope="module")
def model(labelled, table) -> FreightModel:
    return FreightModel.fit(table, labelled["freight_usd"], FAST_PARAMS)


def test_predict_returns_one_row_per_shipment(model, table):
    prediction = model.predict(table)
    assert list(prediction.columns) == ["predicted", "p10", "p90"]
    assert prediction.index.equals(table.index)
    assert prediction.notna().all().all()


def test_interval_contains_point(model, table):
    prediction = model.predict(table)
    assert (prediction["p10"] >= 0).all()
    assert (prediction["p10"] <= prediction["predicted"]).all()
    assert (prediction["predicted"] <= prediction["p90"]).all()


def test_save_load_gives_identical_predictions(model, table, tmp_path):
    model.save(tmp_path)
    loaded = FreightModel.load(tmp_path)
    pd.testing.assert_frame_equal(model.predict(table), loaded.predict(table))
    assert loaded.params == model.params
    assert loaded.sum_correction == model.sum_correction
    assert loaded.interval_offset == model.interval_offset


def test_save_writes_no_pickle(model, tmp_path):
    model.save(tmp_path)
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == [META_FILE, "point.cbm", "quantile.cbm"]
    meta = json.loads((tmp_path / META_FILE).read_text())
    assert meta["features"] == list(features.FEATURES)


def test_calibrate_matches_sum_and_coverage():
    rng = np.random.default_rng(0)
    actual = rng.lognormal(8.0, 1.0, size=2000)
    point = actual * rng.lognormal(-0.2, 0.3, size=2000)
    center = np.log1p(point)
    bounds = np.column_stack([center - 0.1, center, center + 0.1])

    sum_correction, offset = calibrate(actual, point, bounds, 0.8)

    assert (point * sum_correction).sum() == pytest.approx(actual.sum())
    log_actual = np.log1p(actual)
    inside = (log_actual >= bounds[:, 0] - offset) & (
        log_actual <= bounds[:, 2] + offset
    )
    assert inside.mean() == pytest.approx(0.8, abs=0.01)


def test_fit_with_folds_sets_calibration(labelled, table):
    params = ModelParams(**{**asdict(FAST_PARAMS), "calibration_folds": 2})
    model = FreightModel.fit(table, labelled["freight_usd"], params)
    assert 0.5 < model.sum_correction < 2.0
    assert np.isfinite(model.interval_offset)


def test_feature_importances_cover_features(model):
    importances = model.feature_importances()
    assert sorted(importances.index) == sorted(features.FEATURES)
    assert importances.iloc[0] >= importances.iloc[-1]


def test_fit_rejects_missing_label(labelled, table):
    freight = labelled["freight_usd"].copy()
    freight.iloc[0] = np.nan
    with pytest.raises(ValueError, match="drop unlabelled shipments"):
        FreightModel.fit(table, freight, FAST_PARAMS)


def test_missing_weight_still_predicts(model, table):
    unknown = table.head(5).copy()
    unknown["weight_kg"] = np.nan
    prediction = model.predict(unknown)
    assert prediction["predicted"].notna().all()
    assert (prediction["predicted"] > 0).all()


def test_crossed_quantiles_reordered(model, table, monkeypatch):
    honest = model.quantile.predict(_pool(table))

    def crossed(pool):
        return honest[:, ::-1]

    monkeypatch.setattr(model.quantile, "predict", crossed)
    prediction = model.predict(table)
    assert (prediction["p10"] < prediction["p90"]).all()
    assert (prediction["p10"] <= prediction["predicted"]).all()
    assert (prediction["predicted"] <= prediction["p90"]).all()
