"""Predict freight for every shipment of a batch."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pandas as pd
from zenml import log_metadata, step
from zenml.logger import get_logger

from freight import features
from freight.model import FreightModel

logger = get_logger(__name__)

KEEP_COLUMNS = ["shipment_id", "scheduled_date", "shipment_mode",
                "product_group", "country", "vendor", "line_count"]


def _unpredictable_reason(shipments: pd.DataFrame) -> pd.Series:
    """Say why a shipment cannot be predicted, or "" when it can."""
    reason = pd.Series("", index=shipments.index, dtype=object)
    value = shipments["total_value"]
    quantity = shipments["total_quantity"]
    reason[~np.isfinite(value) | (value <= 0)] = (
        "Line Item Value must sum to a positive number"
    )
    reason[~np.isfinite(quantity) | (quantity <= 0)] = (
        "Line Item Quantity must sum to a positive number"
    )
    reason[shipments["scheduled_date"].isna()] = (
        "Scheduled Delivery Date is missing or a sentinel"
    )
    return reason


def _unseen_categories(
    table: pd.DataFrame, model: FreightModel
) -> pd.Series:
    """List, per row, the categorical values the model never saw."""
    unseen = pd.Series("", index=table.index, dtype=object)
    for column in features.CATEGORICAL_FEATURES:
        known = set(model.categories.get(column, []))
        new = ~table[column].isin(known)
        unseen[new] = (
            unseen[new] + column + "=" + table.loc[new, column] + "; "
        )
    return unseen.str.rstrip("; ")


@step
def predict_batch(
    production_model: FreightModel,
    shipments_clean: pd.DataFrame,
    production_label: str,
) -> tuple[
    Annotated[pd.DataFrame, "batch_predictions"],
    Annotated[pd.DataFrame, "unpredictable_shipments"],
]:
    """Predict each shipment; list those that cannot be predicted.

    Rows with categories the model never saw are predicted and flagged in
    `unseen_categories`. No shipment is dropped without a listed reason.

    Returns:
        Predictions with P10/P90, actual freight where known, and flags;
        and the shipments that could not be predicted, with the reason.
    """
    reason = _unpredictable_reason(shipments_clean)
    failed = reason != ""
    # Filter the reasons too: assigning the full-length Series to an empty
    # frame would re-create one row per shipment.
    rejected = shipments_clean[failed].assign(reason=reason[failed])
    accepted = shipments_clean[~failed]
    table = features.build_features(accepted)
    prediction = production_model.predict(table)

    result = accepted[KEEP_COLUMNS].copy()
    result["freight_usd_predicted"] = prediction["predicted"].values
    result["freight_usd_p10"] = prediction["p10"].values
    result["freight_usd_p90"] = prediction["p90"].values
    result["freight_usd_actual"] = accepted[features.TARGET].values
    result["unseen_categories"] = _unseen_categories(table, production_model)
    result["weight_known"] = accepted["weight_kg"].notna().values
    result["model_version"] = production_label
    result = result.reset_index(drop=True)

    flagged = int((result["unseen_categories"] != "").sum())
    logger.info(
        f"Predicted {len(result):,} shipments with {production_label}; "
        f"{flagged} carry unseen categories, {len(rejected)} could not be "
        "predicted"
    )
    for _, row in rejected.head(20).iterrows():
        logger.warning(
            f"Shipment {row['shipment_id']} not predicted: {row['reason']}"
        )
    log_metadata(
        metadata={
            "predicted_shipments": len(result),
            "unpredictable_shipments": len(rejected),
            "unseen_category_shipments": flagged,
            "model_version": production_label,
        },
        infer_artifact=True,
        artifact_name="batch_predictions",
    )
    columns = ["shipment_id", "scheduled_date", "reason"]
    return result, rejected[columns].reset_index(drop=True)
