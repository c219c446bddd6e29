"""Apply the SCMS cleaning rules and collapse line items into shipments."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from zenml import log_metadata, step
from zenml.logger import get_logger

from freight import cleaning

logger = get_logger(__name__)


@step
def clean_shipments(
    shipments_raw: pd.DataFrame,
    min_freight_usd: float,
    max_cost_per_kg: float,
    require_labels: bool = True,
) -> Annotated[pd.DataFrame, "shipments_clean"]:
    """Resolve references, set labels per shipment and flag outliers.

    Args:
        shipments_raw: Raw line items from ingest.
        min_freight_usd: Freight below this is flagged as implausible.
        max_cost_per_kg: Freight per kilogram above this is flagged.
        require_labels: Fail when no shipment has a usable freight
            number; a batch for inference passes False.

    Returns:
        One row per shipment, labelled or not, with flag columns.
    """
    rules = cleaning.ImplausibleRules(
        min_freight_usd=min_freight_usd, max_cost_per_kg=max_cost_per_kg
    )
    shipments, report = cleaning.clean_shipments(
        shipments_raw, rules, require_labels=require_labels
    )
    logger.info(
        f"{report.line_items:,} line items -> {report.shipments:,} "
        f"shipments, {report.labelled_shipments:,} with a freight label"
    )
    logger.info(
        f"Unlabelled shipments: "
        f"{report.unlabelled_included_in_commodity} freight included in "
        f"commodity cost, {report.unlabelled_invoiced_separately} invoiced "
        f"separately, {report.unlabelled_other} other"
    )
    logger.info(
        f"Resolved {report.references_resolved:,} freight references; "
        f"{report.references_to_non_number} point at a non-number, "
        f"{report.references_dangling} at a missing ID"
    )
    if report.flagged_any:
        logger.warning(
            f"Flagged {report.flagged_any} implausible shipments: "
            f"{report.flagged_zero_weight} with zero weight, "
            f"{report.flagged_tiny_freight} with freight under "
            f"${min_freight_usd:g}, {report.flagged_cost_per_kg} above "
            f"${max_cost_per_kg:g}/kg"
        )
    log_metadata(metadata=report.as_dict(), infer_artifact=True)
    return shipments
