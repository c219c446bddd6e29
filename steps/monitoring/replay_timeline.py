"""Replay the data's timeline to compare retraining policies."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from zenml import log_metadata, step
from zenml.logger import get_logger
from zenml.types import HTMLString

from materializers.png_image import PNGImage
from monitoring.config import load_monitoring_config
from monitoring.replay import replay_timeline as replay
from monitoring.replay_report import format_replay_table, plot_replay

logger = get_logger(__name__)


@step(enable_cache=False)
def replay_timeline(
    shipments_clean: pd.DataFrame, config_path: str
) -> tuple[
    Annotated[dict[str, Any], "replay_result"],
    Annotated[pd.DataFrame, "replay_table"],
    Annotated[HTMLString, "replay_report"],
    Annotated[PNGImage, "replay_chart"],
]:
    """Walk quarterly batches and score never, always and gated retraining.

    Args:
        shipments_clean: Cleaned shipments of the whole file.
        config_path: The monitoring config with the replay settings.

    Returns:
        The summary `{batches, elapsed_s, policies}`, the per-batch MAE
        table, a static HTML table and a PNG chart of error over time.
    """
    settings = load_monitoring_config(config_path).replay
    result = replay(shipments_clean, settings)
    summary = result.as_dict()
    table = result.table()
    text = format_replay_table(result)
    for line in text.splitlines():
        logger.info(line)
    log_metadata(
        metadata={
            "batches": summary["batches"],
            "elapsed_s": summary["elapsed_s"],
            "policies": summary["policies"],
        }
    )
    report = HTMLString(
        "<h3>Timeline replay: MAE per batch (USD)</h3>"
        + table.to_html(float_format=lambda value: f"{value:,.0f}")
    )
    return summary, table, report, PNGImage(plot_replay(result))
