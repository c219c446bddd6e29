"""Shipment features known before a shipment leaves.

Delivered and recorded dates, insurance and identifiers (project code,
PQ #, PO/SO #, ASN/DN #) are excluded: they are known only afterwards or
carry no information that generalises to a new shipment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CATEGORICAL_FEATURES = (
    "country",
    "shipment_mode",
    "vendor_inco_term",
    "fulfill_via",
    "vendor",
    "manufacturing_site",
    "product_group",
    "sub_classification",
    "first_line_designation",
)
NUMERIC_FEATURES = (
    "weight_kg",
    "line_count",
    "total_value",
    "total_quantity",
    "pack_price",
    "scheduled_year",
    "scheduled_month",
)
FEATURES = CATEGORICAL_FEATURES + NUMERIC_FEATURES
TARGET = "freight_usd"


def build_features(shipments: pd.DataFrame) -> pd.DataFrame:
    """Return the model's feature frame, one row per shipment.

    Categories are strings; a missing category becomes "missing" so that
    CatBoost treats it as its own value. Numbers stay NaN when unknown.
    """
    features = pd.DataFrame(index=shipments.index)
    for column in CATEGORICAL_FEATURES:
        features[column] = (
            shipments[column].fillna("missing").astype(str).replace("", "missing")
        )
    for column in ("weight_kg", "line_count", "total_value", "total_quantity",
                   "pack_price"):
        features[column] = shipments[column].astype(float)
    scheduled = pd.to_datetime(shipments["scheduled_date"])
    features["scheduled_year"] = scheduled.dt.year.astype(float)
    features["scheduled_month"] = scheduled.dt.month.astype(float)
    features = features.replace([np.inf, -np.inf], np.nan)
    return features[list(FEATURES)]
