"""Summarise the deployed model's request log for a time window."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

import pandas as pd
from zenml import log_metadata, step
from zenml.logger import get_logger
from zenml.types import HTMLString

from freight.plots import message_png
from materializers.png_image import PNGImage
from monitoring.traffic import summarize_traffic
from steps.monitoring.check_batch_drift import drift_settings

logger = get_logger(__name__)


@step(enable_cache=False)
def summarize_endpoint_traffic(
    reference_features: pd.DataFrame,
    log_path: str,
    window_hours: float,
    drift: dict[str, Any],
    drift_share_threshold: float,
) -> tuple[
    Annotated[dict[str, Any], "traffic_summary"],
    Annotated[HTMLString, "traffic_report"],
    Annotated[HTMLString, "traffic_drift_summary"],
    Annotated[PNGImage, "traffic_drift_chart"],
]:
    """Latency percentiles, error rate and input drift of served requests.

    Args:
        reference_features: Features of the production model's training
            shipments.
        log_path: The request log the model server writes.
        window_hours: Length of the window that ends now.
        drift: The `drift` section of configs/monitoring.yaml.
        drift_share_threshold: Drift share above which the gate fires.

    Returns:
        The numbers, a static traffic report, and the drift summary and
        chart (empty when the window has too few shipments).
    """
    until = datetime.now(timezone.utc)
    since = until - timedelta(hours=window_hours)
    summary = summarize_traffic(
        log_path,
        since,
        until,
        reference_features,
        drift_settings(drift),
        drift_share_threshold,
    )
    logger.info(summary.message)
    numbers = summary.as_dict()
    log_metadata(metadata={"traffic": numbers})
    skipped = f"No drift check: {summary.drift_skipped_reason}"
    drift_html = summary.drift_html or f"<p>{skipped}</p>"
    chart = summary.drift_png or message_png(skipped)
    return (
        numbers,
        HTMLString(summary.traffic_html),
        HTMLString(drift_html),
        PNGImage(chart),
    )
