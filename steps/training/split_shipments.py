"""Split shipments into training and test sets."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from zenml import log_metadata, step
from zenml.logger import get_logger

from freight import splits

logger = get_logger(__name__)


@step
def split_shipments(
    shipment_features: pd.DataFrame,
    protocol: str,
    test_size: float,
    seed: int,
    time_cutoff: str,
) -> tuple[
    Annotated[pd.DataFrame, "train_set"],
    Annotated[pd.DataFrame, "test_set"],
]:
    """Split by shipment (`group`) or by scheduled date (`time`).

    Args:
        shipment_features: The feature table, one row per shipment.
        protocol: `group` or `time`.
        test_size: Share of shipments in the test set for `group`.
        seed: Random seed for `group`.
        time_cutoff: First scheduled date of the test set for `time`.

    Returns:
        The training and test tables.
    """
    train, test = splits.split_shipments(
        shipment_features,
        protocol,
        test_size=test_size,
        seed=seed,
        time_cutoff=time_cutoff,
    )
    overlap = set(train["shipment_id"]) & set(test["shipment_id"])
    if overlap:
        raise RuntimeError(
            f"{len(overlap)} shipments are in both train and test sets, "
            f"for example {sorted(overlap)[0]}"
        )
    logger.info(
        f"Split '{protocol}': {len(train):,} training and {len(test):,} "
        "test shipments"
    )
    span = {
        "train_first_scheduled": str(train["scheduled_date"].min().date()),
        "train_last_scheduled": str(train["scheduled_date"].max().date()),
        "test_first_scheduled": str(test["scheduled_date"].min().date()),
        "test_last_scheduled": str(test["scheduled_date"].max().date()),
    }
    log_metadata(
        metadata={
            "split_protocol": protocol,
            "train_shipments": len(train),
            "test_shipments": len(test),
            **span,
        },
        infer_model=True,
    )
    return train, test
