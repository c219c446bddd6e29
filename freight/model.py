"""The freight model: a Tweedie point regressor and a quantile regressor.

The point regressor predicts mean freight in USD with a Tweedie loss on
the dollar scale. The quantile regressor predicts P10, P50 and P90 of
log1p(freight) relative to a weight offset of `weight_exponent *
log(weight)`, so that the trees learn a cost rate that scales with
weight rather than a step function of it. The reported point estimate
blends the Tweedie mean with the quantile median.

Fitting learns two calibrations from predictions for training shipments
that the regressors did not see, from a holdout or out of fold. A
multiplicative correction makes the sum of predicted freight match the
sum of actual freight. A symmetric log-scale offset widens or narrows
the P10-P90 band (conformalised quantile regression) so that the target
share of actuals falls inside it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from catboost import CatBoostRegressor, Pool
from sklearn.model_selection import KFold, ShuffleSplit

from freight.features import CATEGORICAL_FEATURES, FEATURES

POINT_FILE = "point.cbm"
QUANTILE_FILE = "quantile.cbm"
META_FILE = "freight_model.json"


@dataclass
class ModelParams:
    """CatBoost, blend and calibration settings, read from configs/.

    Attributes:
        iterations: Trees of the Tweedie point regressor.
        learning_rate: Learning rate of both regressors.
        depth: Tree depth of both regressors.
        l2_leaf_reg: L2 leaf regularisation of both regressors.
        tweedie_variance_power: Variance power of the Tweedie loss, in
            (1, 2).
        quantile_iterations: Trees of the quantile regressor.
        lower_quantile: Lower bound of the interval, e.g. 0.1 for P10.
        upper_quantile: Upper bound of the interval, e.g. 0.9 for P90.
        median_weight: Share of the quantile median in the point
            estimate; the rest is the Tweedie mean. 0 uses the Tweedie
            mean alone.
        weight_exponent: Exponent b of the offset b * log(weight_kg) of
            the quantile regressor; 0 disables the offset.
        calibration_folds: 1 calibrates on one holdout of
            `calibration_share` of the training shipments; k >= 2 uses
            k-fold out-of-fold predictions, which costs k fits of both
            regressors before the final fit instead of one.
        calibration_share: Share of training shipments held out for
            calibration when `calibration_folds` is 1.
        seed: Random seed of CatBoost and of the calibration split.
        thread_count: CatBoost threads.
    """

    iterations: int = 500
    learning_rate: float = 0.08
    depth: int = 6
    l2_leaf_reg: float = 3.0
    tweedie_variance_power: float = 1.5
    quantile_iterations: int = 400
    lower_quantile: float = 0.1
    upper_quantile: float = 0.9
    median_weight: float = 0.5
    weight_exponent: float = 0.5
    calibration_folds: int = 1
    calibration_share: float = 0.2
    seed: int = 42
    thread_count: int = 2


def _pool(features: pd.DataFrame, target=None) -> Pool:
    return Pool(
        features[list(FEATURES)],
        label=target,
        cat_features=list(CATEGORICAL_FEATURES),
    )


def _regressor(
    params: ModelParams, loss_function: str, iterations: int
) -> CatBoostRegressor:
    return CatBoostRegressor(
        loss_function=loss_function,
        iterations=iterations,
        learning_rate=params.learning_rate,
        depth=params.depth,
        l2_leaf_reg=params.l2_leaf_reg,
        random_seed=params.seed,
        thread_count=params.thread_count,
        allow_writing_files=False,
        verbose=False,
    )


def _point_loss(params: ModelParams) -> str:
    return f"Tweedie:variance_power={params.tweedie_variance_power}"


def _quantile_loss(params: ModelParams) -> str:
    alphas = f"{params.lower_quantile},0.5,{params.upper_quantile}"
    return f"MultiQuantile:alpha={alphas}"


def _kg_per_usd(features: pd.DataFrame) -> float:
    """Return the median weight per dollar of goods, for missing weights."""
    weight = features["weight_kg"].where(features["weight_kg"] > 0)
    value = features["total_value"].where(features["total_value"] > 0)
    ratio = (weight / value).median()
    return float(ratio) if np.isfinite(ratio) else 1.0


def _log_weight(features: pd.DataFrame, kg_per_usd: float) -> np.ndarray:
    """Return log(weight in kg), estimated from value where it is missing.

    Weights below 1 kg count as 1 kg, so the offset is never negative.
    """
    weight = features["weight_kg"].where(features["weight_kg"] > 0)
    estimate = features["total_value"].clip(lower=0.0) * kg_per_usd
    weight = weight.fillna(estimate).fillna(1.0).clip(lower=1.0)
    return np.log(weight.to_numpy(float))


@dataclass
class _Regressors:
    """The two fitted regressors and the weight estimate they share."""

    point: CatBoostRegressor
    quantile: CatBoostRegressor
    kg_per_usd: float

    @classmethod
    def fit(
        cls, features: pd.DataFrame, actual: np.ndarray, params: ModelParams
    ) -> "_Regressors":
        kg_per_usd = _kg_per_usd(features)
        offset = params.weight_exponent * _log_weight(features, kg_per_usd)
        point = _regressor(params, _point_loss(params), params.iterations)
        point.fit(_pool(features, actual))
        quantile = _regressor(
            params, _quantile_loss(params), params.quantile_iterations
        )
        quantile.fit(_pool(features, np.log1p(actual) - offset))
        return cls(point, quantile, kg_per_usd)

    def predict_raw(
        self, features: pd.DataFrame, params: ModelParams
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the uncorrected point estimate in USD and log1p bounds.

        The bounds have three columns: lower quantile, median and upper
        quantile of log1p(freight).
        """
        pool = _pool(features)
        mean = self.point.predict(pool)
        offset = params.weight_exponent * _log_weight(
            features, self.kg_per_usd
        )
        bounds = self.quantile.predict(pool) + offset[:, None]
        # Separately fitted quantiles can cross (P10 above P90) on unusual
        # shipments; sorting each row restores their order.
        bounds = np.sort(bounds, axis=1)
        median = np.expm1(bounds[:, 1])
        point = (1 - params.median_weight) * mean + (
            params.median_weight * median
        )
        return point, bounds


def _calibration_splits(count: int, params: ModelParams):
    if params.calibration_folds >= 2:
        splitter = KFold(
            n_splits=params.calibration_folds,
            shuffle=True,
            random_state=params.seed,
        )
    else:
        splitter = ShuffleSplit(
            n_splits=1,
            test_size=params.calibration_share,
            random_state=params.seed,
        )
    return splitter.split(np.arange(count))


def calibrate(
    actual: np.ndarray,
    point: np.ndarray,
    bounds: np.ndarray,
    share: float,
) -> tuple[float, float]:
    """Learn the sum correction and the interval offset.

    Args:
        actual: Freight in USD of shipments the regressors did not see.
        point: Uncorrected point estimates in USD for those shipments.
        bounds: Lower quantile, median and upper quantile of
            log1p(freight), one row per shipment.
        share: Target share of actuals inside the band, e.g. 0.8.

    Returns:
        The factor that makes the corrected point estimates sum to the
        actuals, and the log-scale offset that puts `share` of the
        actuals inside [lower - offset, upper + offset].
    """
    sum_correction = float(actual.sum() / point.sum())
    # Conformalised quantile regression: the smallest symmetric offset
    # on the log scale that puts the target share inside the band.
    log_actual = np.log1p(actual)
    scores = np.maximum(bounds[:, 0] - log_actual, log_actual - bounds[:, 2])
    interval_offset = float(np.quantile(scores, share))
    return sum_correction, interval_offset


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
        kg_per_usd: float,
    ) -> None:
        self.point = point
        self.quantile = quantile
        self.sum_correction = sum_correction
        self.interval_offset = interval_offset
        self.params = params
        self.categories = categories
        self.kg_per_usd = kg_per_usd

    @classmethod
    def fit(
        cls, features: pd.DataFrame, freight: pd.Series, params: ModelParams
    ) -> "FreightModel":
        """Fit both regressors and learn the two calibrations.

        The calibrations come from regressors fitted without the shipments
        they are measured on; the returned regressors are then refitted on
        all shipments.

        Raises:
            ValueError: if `freight` has a missing or negative value.
        """
        actual = freight.to_numpy(float)
        if not np.isfinite(actual).all() or (actual < 0).any():
            raise ValueError(
                "freight must be a finite, non-negative number for every "
                "training shipment: drop unlabelled shipments before fit"
            )
        held_point = np.zeros(len(actual))
        held_bounds = np.zeros((len(actual), 3))
        held_mask = np.zeros(len(actual), dtype=bool)
        for train_index, held_index in _calibration_splits(
            len(actual), params
        ):
            regressors = _Regressors.fit(
                features.iloc[train_index], actual[train_index], params
            )
            point, bounds = regressors.predict_raw(
                features.iloc[held_index], params
            )
            held_point[held_index] = point
            held_bounds[held_index] = bounds
            held_mask[held_index] = True

        sum_correction, interval_offset = calibrate(
            actual[held_mask],
            held_point[held_mask],
            held_bounds[held_mask],
            params.upper_quantile - params.lower_quantile,
        )
        regressors = _Regressors.fit(features, actual, params)
        categories = {
            column: sorted(features[column].unique().tolist())
            for column in CATEGORICAL_FEATURES
        }
        return cls(
            regressors.point,
            regressors.quantile,
            sum_correction,
            interval_offset,
            params,
            categories,
            regressors.kg_per_usd,
        )

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        """Predict freight in USD with P10 and P90 for each shipment."""
        regressors = _Regressors(self.point, self.quantile, self.kg_per_usd)
        point, bounds = regressors.predict_raw(features, self.params)
        predicted = np.clip(point * self.sum_correction, 0.0, None)
        low = np.expm1(bounds[:, 0] - self.interval_offset)
        high = np.expm1(bounds[:, 2] + self.interval_offset)
        low = np.clip(np.minimum(low, predicted), 0.0, None)
        high = np.maximum(high, predicted)
        return pd.DataFrame(
            {"predicted": predicted, "p10": low, "p90": high},
            index=features.index,
        )

    def feature_importances(self) -> pd.Series:
        """Return the point regressor's feature importances, largest first."""
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
            "kg_per_usd": self.kg_per_usd,
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
            meta["kg_per_usd"],
        )
