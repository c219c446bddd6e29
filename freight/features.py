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
# Shipment columns from `cleaning.aggregate_shipments` used as they are.
SHIPMENT_NUMERIC_FEATURES = (
    "weight_kg",
    "line_count",
    "total_value",
    "total_quantity",
    "pack_price",
    "max_line_value",
    "max_line_quantity",
    "product_group_count",
    "sub_classification_count",
    "vendor_count",
)
# Ratios and indicators derived from the shipment columns.
DERIVED_FEATURES = (
    "weight_missing",
    "value_per_kg",
    "quantity_per_kg",
    "weight_per_line",
    "value_per_line",
    "max_line_value_share",
    "scheduled_year",
    "scheduled_month",
)
NUMERIC_FEATURES = SHIPMENT_NUMERIC_FEATURES + DERIVED_FEATURES
FEATURES = CATEGORICAL_FEATURES + NUMERIC_FEATURES
TARGET = "freight_usd"


def _positive(values: pd.Series) -> pd.Series:
    """Return `values` as floats, with zero and negative values as NaN."""
    values = values.astype(float)
    return values.where(values > 0)


def build_features(shipments: pd.DataFrame) -> pd.DataFrame:
    """Return the model's feature frame, one row per shipment.

    Categories are strings; a missing category becomes "missing" so that
    CatBoost treats it as its own value. Numbers stay NaN when unknown,
    and a ratio is NaN when its denominator is zero or unknown.
    """
    features = pd.DataFrame(index=shipments.index)
    for column in CATEGORICAL_FEATURES:
        features[column] = (
            shipments[column]
            .fillna("missing")
            .astype(str)
            .replace("", "missing")
        )
    for column in SHIPMENT_NUMERIC_FEATURES:
        features[column] = shipments[column].astype(float)

    weight = _positive(shipments["weight_kg"])
    features["weight_missing"] = shipments["weight_kg"].isna().astype(float)
    features["value_per_kg"] = shipments["total_value"] / weight
    features["quantity_per_kg"] = shipments["total_quantity"] / weight
    features["weight_per_line"] = (
        shipments["weight_kg"] / shipments["line_count"]
    )
    features["value_per_line"] = (
        shipments["total_value"] / shipments["line_count"]
    )
    features["max_line_value_share"] = shipments[
        "max_line_value"
    ] / _positive(shipments["total_value"])

    scheduled = pd.to_datetime(shipments["scheduled_date"])
    features["scheduled_year"] = scheduled.dt.year.astype(float)
    features["scheduled_month"] = scheduled.dt.month.astype(float)
    features = features.replace([np.inf, -np.inf], np.nan)
    return features[list(FEATURES)]
