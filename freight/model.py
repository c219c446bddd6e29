"""The freight model: CatBoost point and quantile regressors on log1p.

A log-scale model predicts something close to the median, so summed
over many shipments it under-forecasts total freight. Fitting learns one
multiplicative correction on out-of-fold predictions of the training set
so that the sum of predicted freight matches the sum of actual freight.
It also widens or narrows the P10-P90 band (conformalised quantile
regression on the same out-of-fold predictions) so that about 80% of
training actuals fall inside it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from catboost import CatBoostRegressor, Pool
from sklearn.model_selection import KFold

from freight.features import CATEGORICAL_FEATURES, FEATURES

POINT_FILE = "point.cbm"
QUANTILE_FILE = "quantile.cbm"
META_FILE = "freight_model.json"


@dataclass
class ModelParams:
    """CatBoost and calibration settings, read from configs/."""

    iterations: int = 800
    learning_rate: float = 0.05
    depth: int = 6
    l2_leaf_reg: float = 3.0
    quantile_iterations: int = 600
    lower_quantile: float = 0.1
    upper_quantile: float = 0.9
    calibration_folds: int = 5
    seed: int = 42
    thread_count: int = 2
    extra: dict = field(default_factory=dict)


def _pool(features: pd.DataFrame, target=None) -> Pool:
    return Pool(
        features[list(FEATURES)],
        label=target,
        cat_features=list(CATEGORICAL_FEATURES),
    )


def _point_regressor(params: ModelParams, iterations: int) -> CatBoostRegressor:
    return CatBoostRegressor(
        loss_function="RMSE",
        iterations=iterations,
        learning_rate=params.learning_rate,
        depth=params.depth,
        l2_leaf_reg=params.l2_leaf_reg,
        random_seed=params.seed,
        thread_count=params.thread_count,
        allow_writing_files=False,
        verbose=False,
        **params.extra,
    )


def _quantile_regressor(
    params: ModelParams, iterations: int
) -> CatBoostRegressor:
    alphas = f"{params.lower_quantile},{params.upper_quantile}"
    return CatBoostRegressor(
        loss_function=f"MultiQuantile:alpha={alphas}",
        iterations=iterations,
        learning_rate=params.learning_rate,
        depth=params.depth,
        l2_leaf_reg=params.l2_leaf_reg,
        random_seed=params.seed,
        thread_count=params.thread_count,
        allow_writing_files=False,
        verbose=False,
    )


class FreightModel:
    """Point estimate with a bias correction, plus a calibrated P10-P90."""

    def __init__(
        self,
        point: CatBoostRegressor,
        quantile: CatBoostRegressor,
        sum_correction: float,
        interval_offset: float,
        params: ModelParams,
        categories: dict[str, list[str]],
    ) -> None:
        self.point = point
        self.quantile = quantile
        self.sum_correction = sum_correction
        self.interval_offset = interval_offset
        self.params = params
        self.categories = categories

    @classmethod
    def fit(
        cls, features: pd.DataFrame, freight: pd.Series, params: ModelParams
    ) -> "FreightModel":
        """Fit both regressors and learn the two calibrations out of fold."""
        target = np.log1p(freight.to_numpy(float))
        folds = KFold(
            n_splits=params.calibration_folds,
            shuffle=True,
            random_state=params.seed,
        )
        oof_point = np.zeros(len(target))
        oof_low = np.zeros(len(target))
        oof_high = np.zeros(len(target))
        for train_index, valid_index in folds.split(features):
            fold_train = features.iloc[train_index]
            fold_valid = features.iloc[valid_index]
            point = _point_regressor(params, params.iterations)
            point.fit(_pool(fold_train, target[train_index]))
            oof_point[valid_index] = point.predict(_pool(fold_valid))
            quantile = _quantile_regressor(params, params.quantile_iterations)
            quantile.fit(_pool(fold_train, target[train_index]))
            bounds = quantile.predict(_pool(fold_valid))
            oof_low[valid_index] = bounds[:, 0]
            oof_high[valid_index] = bounds[:, 1]

        actual = freight.to_numpy(float)
        sum_correction = float(actual.sum() / np.expm1(oof_point).sum())
        # Conformalised quantile regression: the smallest symmetric offset
        # on the log scale that puts the target share inside the band.
        scores = np.maximum(oof_low - target, target - oof_high)
        share = params.upper_quantile - params.lower_quantile
        interval_offset = float(np.quantile(scores, share))

        point = _point_regressor(params, params.iterations)
        point.fit(_pool(features, target))
        quantile = _quantile_regressor(params, params.quantile_iterations)
        quantile.fit(_pool(features, target))
        categories = {
            column: sorted(features[column].unique().tolist())
            for column in CATEGORICAL_FEATURES
        }
        return cls(
            point, quantile, sum_correction, interval_offset, params, categories
        )

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        """Predict freight in USD with P10 and P90 for each shipment."""
        pool = _pool(features)
        log_point = self.point.predict(pool)
        bounds = self.quantile.predict(pool)
        predicted = np.expm1(log_point) * self.sum_correction
        low = np.expm1(bounds[:, 0] - self.interval_offset)
        high = np.expm1(bounds[:, 1] + self.interval_offset)
        low = np.clip(np.minimum(low, predicted), 0.0, None)
        high = np.maximum(high, predicted)
        return pd.DataFrame(
            {"predicted": predicted, "p10": low, "p90": high},
            index=features.index,
        )

    def feature_importances(self) -> pd.Series:
        return pd.Series(
            self.point.get_feature_importance(), index=list(FEATURES)
        ).sort_values(ascending=False)

    def save(self, directory: str | Path) -> None:
        """Write both regressors as native .cbm files plus a JSON header."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.point.save_model(str(directory / POINT_FILE), format="cbm")
        self.quantile.save_model(str(directory / QUANTILE_FILE), format="cbm")
        meta = {
            "sum_correction": self.sum_correction,
            "interval_offset": self.interval_offset,
            "params": asdict(self.params),
            "categories": self.categories,
            "features": list(FEATURES),
            "tree_count": int(self.point.tree_count_),
        }
        (directory / META_FILE).write_text(json.dumps(meta, indent=2))

    @classmethod
    def load(cls, directory: str | Path) -> "FreightModel":
        """Load a model written by `save`."""
        directory = Path(directory)
        meta = json.loads((directory / META_FILE).read_text())
        point = CatBoostRegressor()
        point.load_model(str(directory / POINT_FILE), format="cbm")
        quantile = CatBoostRegressor()
        quantile.load_model(str(directory / QUANTILE_FILE), format="cbm")
        return cls(
            point,
            quantile,
            meta["sum_correction"],
            meta["interval_offset"],
            ModelParams(**meta["params"]),
            meta["categories"],
        )
