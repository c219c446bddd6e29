"""Realised error of the production model on a labelled batch."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from zenml import log_metadata, step
from zenml.logger import get_logger

from freight.metrics import regression_metrics

logger = get_logger(__name__)


@step
def evaluate_batch(
    batch_predictions: pd.DataFrame,
) -> Annotated[dict[str, Any], "batch_metrics"]:
    """Compute training's metrics on the batch's labelled shipments.

    Returns:
        The metrics, or `{"labelled_shipments": 0}` when no predicted
        shipment has a freight label.
    """
    labelled = batch_predictions[
        batch_predictions["freight_usd_actual"].notna()
    ]
    if labelled.empty:
        # Unpredictable shipments are not in `batch_predictions`, so a
        # labelled batch of only unpredictable shipments also ends here.
        logger.info(
            "No predicted shipment of the batch has a freight label: no "
            "error metrics"
        )
        return {"labelled_shipments": 0}
    metrics = regression_metrics(
        labelled["freight_usd_actual"].to_numpy(float),
        labelled["freight_usd_predicted"].to_numpy(float),
        labelled["freight_usd_p10"].to_numpy(float),
        labelled["freight_usd_p90"].to_numpy(float),
    )
    metrics["labelled_shipments"] = len(labelled)
    logger.info(
        f"Batch MAE {metrics['mae']:,.0f} USD on {len(labelled):,} "
        f"labelled shipments (R² {metrics['r2']:.3f}, Σpred/Σactual "
        f"{metrics['sum_ratio']:.3f})"
    )
    log_metadata(
        metadata={f"batch_{k}": v for k, v in metrics.items()},
    )
    return metrics
