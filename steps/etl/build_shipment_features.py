"""Turn labelled shipments into the model's feature table."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from zenml import log_metadata, step
from zenml.logger import get_logger

from freight import features

logger = get_logger(__name__)

KEY_COLUMNS = ["shipment_id", "scheduled_date"]


@step
def build_shipment_features(
    shipments_clean: pd.DataFrame, exclude_implausible: bool
) -> Annotated[pd.DataFrame, "shipment_features"]:
    """Keep labelled shipments and compute their features.

    Args:
        shipments_clean: One row per shipment from cleaning.
        exclude_implausible: Leave flagged shipments out of training and
            evaluation. Either way the count is logged.

    Returns:
        Shipment id, scheduled date, the features and `freight_usd`.
    """
    labelled = shipments_clean[shipments_clean[features.TARGET].notna()]
    flagged = int(labelled["implausible"].sum())
    if exclude_implausible and flagged:
        labelled = labelled[~labelled["implausible"]]
        logger.warning(f"Excluded {flagged} implausible shipments")
    elif flagged:
        logger.info(f"Kept {flagged} implausible shipments (flagged)")
    unlabelled = len(shipments_clean) - int(
        shipments_clean[features.TARGET].notna().sum()
    )
    logger.info(
        f"Features for {len(labelled):,} labelled shipments; "
        f"{unlabelled:,} shipments have no usable freight label"
    )
    table = pd.concat(
        [
            labelled[KEY_COLUMNS].reset_index(drop=True),
            features.build_features(labelled).reset_index(drop=True),
            labelled[[features.TARGET]].reset_index(drop=True),
        ],
        axis=1,
    )
    log_metadata(
        metadata={
            "shipments": len(table),
            "unlabelled_shipments": unlabelled,
            "implausible_excluded": flagged if exclude_implausible else 0,
            "features": list(features.FEATURES),
        },
        infer_artifact=True,
    )
    return table
