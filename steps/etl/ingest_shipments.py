"""Read the SCMS CSV and check it against the raw data contract."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from zenml import log_metadata, step
from zenml.logger import get_logger

from freight import contract

logger = get_logger(__name__)


@step
def ingest_shipments(
    data_path: str, data_sha256: str
) -> Annotated[pd.DataFrame, "shipments_raw"]:
    """Read the raw line items and validate columns and types.

    Args:
        data_path: Path of the SCMS CSV, plain or gzip-compressed.
        data_sha256: Content hash of the file. It is part of the step's
            cache key, so an edited file at the same path is read again.

    Returns:
        The raw line items, every cell a string.

    Raises:
        DataContractError: if the file breaks the raw data contract.
    """
    raw = contract.read_raw_csv(data_path)
    contract.validate_raw(raw)
    sentinels = contract.count_sentinels(raw)
    logger.info(
        f"Read {len(raw):,} line items from {data_path} "
        f"(sha256 {data_sha256[:12]})"
    )
    log_metadata(
        metadata={
            "data_path": data_path,
            "data_sha256": data_sha256,
            "line_items": len(raw),
            "sentinel_counts": sentinels,
        },
        infer_artifact=True,
    )
    return raw
