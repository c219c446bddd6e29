"""Dollar-scale regression metrics for freight estimates."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn import metrics as skm


def regression_metrics(
    actual: np.ndarray,
    predicted: np.ndarray,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
) -> dict[str, float | None]:
    """Compute MAE, RMSE, R², median APE, Σpred/Σactual and coverage.

    `median_ape` is the median of |pred - actual| / actual. Coverage is the
    share of actuals inside [lower, upper], or None without an interval.
    """
    actual = np.asarray(actual, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    if len(actual) == 0:
        raise ValueError("cannot compute metrics on zero shipments")
    positive = actual > 0
    coverage = None
    if lower is not None and upper is not None:
        inside = (actual >= np.asarray(lower)) & (actual <= np.asarray(upper))
        coverage = float(inside.mean())
    return {
        "mae": float(skm.mean_absolute_error(actual, predicted)),
        "rmse": float(np.sqrt(skm.mean_squared_error(actual, predicted))),
        "r2": float(skm.r2_score(actual, predicted)),
        "median_ape": float(
            np.median(
                np.abs(predicted[positive] - actual[positive])
                / actual[positive]
            )
        ),
        "sum_ratio": float(predicted.sum() / actual.sum()),
        "interval_coverage": coverage,
        "count": int(len(actual)),
    }


def slice_metrics(
    frame: pd.DataFrame, by: str, min_count: int = 1
) -> dict[str, dict[str, float | None]]:
    """Compute metrics per value of column `by`.

    `frame` needs columns actual, predicted, p10 and p90.
    """
    result = {}
    for value, group in frame.groupby(by, sort=True):
        if len(group) < min_count:
            continue
        result[str(value)] = regression_metrics(
            group["actual"].to_numpy(),
            group["predicted"].to_numpy(),
            group["p10"].to_numpy(),
            group["p90"].to_numpy(),
        )
    return result


class MedianByModeBaseline:
    """Predict the median training freight of the shipment's mode."""

    def fit(self, modes: pd.Series, freight: pd.Series) -> "MedianByModeBaseline":
        self.medians_ = freight.groupby(modes.values).median().to_dict()
        self.overall_ = float(freight.median())
        return self

    def predict(self, modes: pd.Series) -> np.ndarray:
        return modes.map(self.medians_).fillna(self.overall_).to_numpy(float)
