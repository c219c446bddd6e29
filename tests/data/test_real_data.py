"""Data tests on the bundled SCMS file: schema, labels, leakage."""

from __future__ import annotations

import pandas as pd
import pytest

from freight import contract as c
from freight import features, splits


def test_raw_schema(raw_frame):
    assert len(raw_frame) == 10_324
    assert len(raw_frame.columns) == 33
    for column in c.REQUIRED_COLUMNS:
        assert column in raw_frame.columns
    c.validate_raw(raw_frame)


def test_one_row_per_shipment(raw_frame, shipments):
    assert shipments["shipment_id"].is_unique
    assert len(shipments) == raw_frame[c.SHIPMENT].nunique()
    assert shipments["line_count"].sum() == len(raw_frame)


def test_labels_positive_and_unfilled(shipments):
    labels = shipments["freight_usd"]
    assert labels.notna().sum() == 6_198
    assert (labels.dropna() > 0).all()
    unlabelled = shipments[labels.isna()]
    assert set(unlabelled["label_status"]) == {
        "included_in_commodity",
        "invoiced_separately",
    }


def test_scheduled_dates_parsed(shipments):
    dates = pd.to_datetime(shipments["scheduled_date"])
    assert dates.notna().all()
    assert dates.min().year == 2006
    assert dates.max().year == 2015


@pytest.mark.parametrize("protocol", splits.PROTOCOLS)
def test_no_shipment_in_both_sides(shipments, protocol):
    labelled = shipments[shipments["freight_usd"].notna()]
    train, test = splits.split_shipments(labelled, protocol)
    assert not set(train["shipment_id"]) & set(test["shipment_id"])
    assert len(train) + len(test) <= len(labelled)


def test_time_split_respects_cutoff(shipments):
    labelled = shipments[shipments["freight_usd"].notna()]
    train, test = splits.split_shipments(labelled, splits.TIME)
    assert train["scheduled_date"].max() < pd.Timestamp("2014-01-01")
    assert test["scheduled_date"].min() >= pd.Timestamp("2014-01-01")


def test_no_post_shipment_feature():
    forbidden = {
        name.lower().replace(" ", "_")
        for name in c.POST_SHIPMENT_COLUMNS + c.ID_COLUMNS
    }
    leaky_words = ("delivered", "recorded", "insurance", "asn", "po_",
                   "pq", "project", "line_id", "shipment_id")
    for feature in features.FEATURES:
        assert feature not in forbidden
        for word in leaky_words:
            assert word not in feature, f"{feature} looks post-shipment"


def test_features_build_on_real_data(shipments):
    table = features.build_features(shipments)
    assert list(table.columns) == list(features.FEATURES)
    assert len(table) == len(shipments)
    for column in features.CATEGORICAL_FEATURES:
        assert table[column].notna().all()
