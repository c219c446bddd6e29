"""Evidently drift and data quality of a batch against training."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from zenml import log_metadata, step
from zenml.logger import get_logger
from zenml.types import HTMLString

from freight import features
from materializers.png_image import PNGImage
from monitoring.drift import DriftSettings, check_drift
from monitoring.summary import plot_drift_scores, render_drift_summary_html

logger = get_logger(__name__)


def drift_settings(drift: dict[str, Any]) -> DriftSettings:
    """Build DriftSettings from the `drift` section of the config."""
    values = dict(drift)
    for key in ("columns", "exclude_columns"):
        if values.get(key) is not None:
            values[key] = tuple(values[key])
    return DriftSettings(**values)


@step
def check_batch_drift(
    reference_features: pd.DataFrame,
    shipments_clean: pd.DataFrame,
    drift: dict[str, Any],
    drift_share_threshold: float,
) -> tuple[
    Annotated[dict[str, Any], "drift_result"],
    Annotated[HTMLString, "evidently_report"],
    Annotated[HTMLString, "drift_summary"],
    Annotated[PNGImage, "drift_chart"],
]:
    """Test each feature of the batch for drift with Evidently.

    Evidently's own report needs JavaScript, which the ZenML dashboard's
    sandboxed iframe does not run, so the step also returns a static
    summary and a PNG chart that render there.

    Args:
        reference_features: Features of the model's training shipments.
        shipments_clean: The cleaned batch, one row per shipment.
        drift: The `drift` section of configs/monitoring.yaml.
        drift_share_threshold: Drift share above which the gate fires.

    Returns:
        Drift numbers, Evidently's HTML report (download it to view), the
        static summary and the chart.
    """
    current = features.build_features(shipments_clean)
    result = check_drift(reference_features, current, drift_settings(drift))
    drifted = [column.column for column in result.drifted_columns]
    logger.info(
        f"Drift share {result.drift_share:.2f} against threshold "
        f"{drift_share_threshold:.2f}: {len(drifted)} of "
        f"{len(result.columns)} columns drifted {drifted}"
    )
    for item in result.quality:
        if item.new_categories:
            logger.warning(
                f"{item.new_category_rows} batch shipments have unseen "
                f"{item.column} values: {list(item.new_categories)[:10]}"
            )
    numbers = result.as_dict()
    log_metadata(
        metadata={
            "drift_share": result.drift_share,
            "drift_share_threshold": drift_share_threshold,
            "drifted_columns": drifted,
            "untested_columns": result.untested_columns,
        }
    )
    summary = render_drift_summary_html(result, drift_share_threshold)
    chart = plot_drift_scores(result, drift_share_threshold)
    return (
        numbers,
        HTMLString(result.html or ""),
        HTMLString(summary),
        PNGImage(chart),
    )
