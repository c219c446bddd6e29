"""Small freight model trained on part of the bundled SCMS file, for tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from freight import contract, features
from freight.cleaning import clean_shipments
from freight.model import FreightModel, ModelParams

DATA = Path(__file__).resolve().parents[1] / "data"
SCMS_FILE = DATA / "SCMS_Delivery_History_Dataset.csv.gz"
TEST_PARAMS = ModelParams(
    iterations=40,
    quantile_iterations=40,
    calibration_folds=2,
    thread_count=2,
)


def raw_lines(rows: int) -> pd.DataFrame:
    """Return the first `rows` line items of the bundled SCMS file."""
    return contract.read_raw_csv(SCMS_FILE).head(rows)


def train_small_model(directory: Path, rows: int = 2000) -> FreightModel:
    """Train a fast model on the first `rows` line items and save it."""
    shipments, _ = clean_shipments(raw_lines(rows))
    labelled = shipments[shipments["freight_usd"].notna()]
    model = FreightModel.fit(
        features.build_features(labelled),
        labelled["freight_usd"],
        TEST_PARAMS,
    )
    model.save(directory)
    return model
