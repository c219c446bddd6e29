"""Evaluate the freight model on held-out shipments, in dollars."""

from __future__ import annotations

from typing import Annotated, Any

import mlflow
import pandas as pd
from zenml import log_metadata, step
from zenml.logger import get_logger
from zenml.types import HTMLString

from freight import features, plots
from freight.metrics import (
    MedianByModeBaseline,
    regression_metrics,
    slice_metrics,
)
from freight.model import FreightModel
from materializers.png_image import PNGImage
from steps.training.train_freight_model import EXPERIMENT_TRACKER

logger = get_logger(__name__)


def _metrics_table(rows: dict[str, dict[str, Any]]) -> str:
    header = "".join(
        f"<th>{name}</th>"
        for name in ("", "MAE", "RMSE", "R²", "median APE", "Σpred/Σactual",
                     "P10-P90 coverage", "n")
    )
    body = []
    for name, m in rows.items():
        coverage = m["interval_coverage"]
        cells = [
            name,
            f"{m['mae']:,.0f}",
            f"{m['rmse']:,.0f}",
            f"{m['r2']:.3f}",
            f"{m['median_ape']:.3f}",
            f"{m['sum_ratio']:.3f}",
            "—" if coverage is None else f"{coverage:.3f}",
            f"{m['count']:,}",
        ]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (
        "<table border='1' cellpadding='4' style='border-collapse:collapse'>"
        f"<tr>{header}</tr>{''.join(body)}</table>"
    )


@step(experiment_tracker=EXPERIMENT_TRACKER)
def evaluate_freight_model(
    freight_model: FreightModel,
    train_set: pd.DataFrame,
    test_set: pd.DataFrame,
) -> tuple[
    Annotated[dict[str, Any], "evaluation_metrics"],
    Annotated[HTMLString, "evaluation_report"],
    Annotated[PNGImage, "predicted_vs_actual"],
    Annotated[PNGImage, "feature_importance"],
]:
    """Compute dollar-scale metrics, slices, a baseline and charts.

    Returns:
        The metrics, a static HTML report, and two PNG charts.
    """
    X_test = test_set[list(features.FEATURES)]
    actual = test_set[features.TARGET].to_numpy(float)
    prediction = freight_model.predict(X_test)
    overall = regression_metrics(
        actual,
        prediction["predicted"].to_numpy(),
        prediction["p10"].to_numpy(),
        prediction["p90"].to_numpy(),
    )
    baseline = MedianByModeBaseline().fit(
        train_set["shipment_mode"], train_set[features.TARGET]
    )
    baseline_metrics = regression_metrics(
        actual, baseline.predict(test_set["shipment_mode"])
    )
    frame = pd.DataFrame(
        {
            "actual": actual,
            "predicted": prediction["predicted"].to_numpy(),
            "p10": prediction["p10"].to_numpy(),
            "p90": prediction["p90"].to_numpy(),
            "shipment_mode": test_set["shipment_mode"].to_numpy(),
            "product_group": test_set["product_group"].to_numpy(),
        }
    )
    by_mode = slice_metrics(frame, "shipment_mode")
    by_group = slice_metrics(frame, "product_group")
    logger.info(
        f"Test MAE {overall['mae']:,.0f} USD, RMSE {overall['rmse']:,.0f}, "
        f"R² {overall['r2']:.3f}, Σpred/Σactual {overall['sum_ratio']:.3f}, "
        f"P10-P90 coverage {overall['interval_coverage']:.3f} "
        f"(median-by-mode baseline MAE {baseline_metrics['mae']:,.0f})"
    )
    metrics = {
        "test": overall,
        "baseline_median_by_mode": baseline_metrics,
        "by_shipment_mode": by_mode,
        "by_product_group": by_group,
    }
    if EXPERIMENT_TRACKER:
        mlflow.log_metrics(
            {
                f"test_{k}": v
                for k, v in overall.items()
                if isinstance(v, (int, float))
            }
        )
        mlflow.log_metric("baseline_test_mae", baseline_metrics["mae"])
    log_metadata(
        metadata={
            "test_mae": overall["mae"],
            "test_rmse": overall["rmse"],
            "test_r2": overall["r2"],
            "test_median_ape": overall["median_ape"],
            "test_sum_ratio": overall["sum_ratio"],
            "test_interval_coverage": overall["interval_coverage"],
            "baseline_test_mae": baseline_metrics["mae"],
            "slices_by_shipment_mode": by_mode,
            "slices_by_product_group": by_group,
        },
        infer_model=True,
    )
    report = HTMLString(
        "<h3>Test set</h3>"
        + _metrics_table(
            {"freight model": overall, "median by mode": baseline_metrics}
        )
        + "<h3>By shipment mode</h3>"
        + _metrics_table(by_mode)
        + "<h3>By product group</h3>"
        + _metrics_table(by_group)
    )
    scatter = PNGImage(
        plots.predicted_vs_actual_png(
            actual,
            prediction["predicted"].to_numpy(),
            f"Test shipments (n={len(actual):,})",
        )
    )
    importance = PNGImage(
        plots.feature_importance_png(freight_model.feature_importances())
    )
    return metrics, report, scatter, importance
