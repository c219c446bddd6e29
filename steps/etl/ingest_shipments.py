"""Read SCMS CSVs and check them against the raw data contract."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from zenml import log_metadata, step
from zenml.logger import get_logger

from freight import contract

logger = get_logger(__name__)


def _append_batch(raw: pd.DataFrame, batch_path: str) -> pd.DataFrame:
    """Append a labelled batch, skipping line items already in `raw`."""
    batch = contract.read_raw_csv(batch_path)
    contract.validate_raw(batch, require_label=False)
    batch = contract.add_missing_label(batch)
    known = set(raw[contract.ID].str.strip())
    repeated = batch[contract.ID].str.strip().isin(known)
    if repeated.any():
        logger.warning(
            f"Skipped {int(repeated.sum()):,} line items of {batch_path} "
            "whose ID is already in the training data"
        )
    columns = list(raw.columns)
    batch = batch[~repeated].reindex(columns=columns, fill_value="")
    logger.info(f"Appended {len(batch):,} line items from {batch_path}")
    return pd.concat([raw, batch], ignore_index=True)


@step
def ingest_shipments(
    data_path: str,
    data_sha256: str,
    require_label: bool = True,
    batch_path: str | None = None,
) -> Annotated[pd.DataFrame, "shipments_raw"]:
    """Read the raw line items and validate columns and types.

    Args:
        data_path: Path of the SCMS CSV, plain or gzip-compressed.
        data_sha256: Content hash of the input files. It is part of the
            step's cache key, so an edited file at the same path is read
            again.
        require_label: Whether the freight column must be present; an
            unlabelled batch for inference passes False.
        batch_path: A further CSV appended to `data_path`, such as a new
            labelled batch that retraining adds to the training data.

    Returns:
        The raw line items, every cell a string.

    Raises:
        DataContractError: if a file breaks the raw data contract.
    """
    raw = contract.read_raw_csv(data_path)
    contract.validate_raw(raw, require_label=require_label)
    raw = contract.add_missing_label(raw)
    if batch_path:
        raw = _append_batch(raw, batch_path)
    sentinels = contract.count_sentinels(raw)
    logger.info(
        f"Read {len(raw):,} line items from {data_path} "
        f"(sha256 {data_sha256[:12]})"
    )
    log_metadata(
        metadata={
            "data_path": data_path,
            "batch_path": batch_path or "",
            "data_sha256": data_sha256,
            "line_items": len(raw),
            "sentinel_counts": sentinels,
        },
        infer_artifact=True,
    )
    return raw
