"""One test per cleaning rule, on small hand-built frames."""

from __future__ import annotations

import math

import pandas as pd

from freight import cleaning
from freight import contract as c
from tests.conftest import make_raw


def _clean(rows, **rules):
    shipments, report = cleaning.clean_shipments(
        make_raw(rows), cleaning.ImplausibleRules(**rules)
    )
    return shipments.set_index("shipment_id"), report


def test_reference_resolves_to_one_label_per_shipment():
    shipments, report = _clean(
        [
            {c.SHIPMENT: "ASN-7", c.FREIGHT: "900", c.WEIGHT: "40"},
            {
                c.SHIPMENT: "ASN-7",
                c.FREIGHT: "See ASN-7 (ID#:1)",
                c.WEIGHT: "See ASN-7 (ID#:1)",
            },
            {
                c.SHIPMENT: "ASN-7",
                c.FREIGHT: "See ASN-7 (ID#:1)",
                c.WEIGHT: "See ASN-7 (ID#:1)",
            },
        ]
    )
    assert len(shipments) == 1
    assert shipments.loc["ASN-7", "freight_usd"] == 900.0
    assert shipments.loc["ASN-7", "weight_kg"] == 40.0
    assert shipments.loc["ASN-7", "line_count"] == 3
    assert report.references_resolved == 2


def test_freight_never_copied_onto_lines():
    lines = cleaning.clean_lines(
        make_raw(
            [
                {c.SHIPMENT: "ASN-7", c.FREIGHT: "900"},
                {c.SHIPMENT: "ASN-7", c.FREIGHT: "See ASN-7 (ID#:1)"},
            ]
        )
    )
    assert lines["freight_usd"].notna().sum() == 1
    assert lines["freight_resolved_status"].tolist() == ["number", "number"]


def test_freight_included_is_not_zero():
    shipments, report = _clean(
        [{c.FREIGHT: "Freight Included in Commodity Cost"},
         {c.SHIPMENT: "ASN-2", c.FREIGHT: "10"}]
    )
    assert math.isnan(shipments.loc["ASN-1", "freight_usd"])
    assert shipments.loc["ASN-1", "label_status"] == "included_in_commodity"
    assert report.unlabelled_included_in_commodity == 1


def test_invoiced_separately_is_not_a_label():
    shipments, report = _clean(
        [{c.FREIGHT: "Invoiced Separately"},
         {c.SHIPMENT: "ASN-2", c.FREIGHT: "10"}]
    )
    assert math.isnan(shipments.loc["ASN-1", "freight_usd"])
    assert report.unlabelled_invoiced_separately == 1


def test_reference_to_non_number_is_not_a_label():
    shipments, report = _clean(
        [
            {c.SHIPMENT: "ASN-3", c.FREIGHT: "Invoiced Separately"},
            {c.SHIPMENT: "ASN-3", c.FREIGHT: "See ASN-3 (ID#:1)"},
            {c.SHIPMENT: "ASN-4", c.FREIGHT: "10"},
        ]
    )
    assert math.isnan(shipments.loc["ASN-3", "freight_usd"])
    assert report.references_to_non_number == 1
    assert report.labelled_shipments == 1


def test_missing_label_never_filled():
    shipments, _ = _clean(
        [
            {c.SHIPMENT: "ASN-1", c.FREIGHT: "Invoiced Separately"},
            {c.SHIPMENT: "ASN-2", c.FREIGHT: "100"},
            {c.SHIPMENT: "ASN-3", c.FREIGHT: "300"},
        ]
    )
    assert shipments["freight_usd"].isna().sum() == 1
    assert sorted(shipments["freight_usd"].dropna()) == [100.0, 300.0]


def test_na_categories_are_values():
    shipments, _ = _clean(
        [
            {
                c.SHIPMENT_MODE: "N/A",
                c.INCO_TERM: "N/A - From RDC",
                c.FULFILL_VIA: "From RDC",
            },
            {c.SHIPMENT: "ASN-2", c.INCO_TERM: "N/A"},
        ]
    )
    assert len(shipments) == 2
    assert shipments.loc["ASN-1", "shipment_mode"] == "N/A"
    assert shipments.loc["ASN-1", "vendor_inco_term"] == "N/A - From RDC"
    assert shipments.loc["ASN-2", "vendor_inco_term"] == "N/A"


def test_dates_parse_both_formats():
    values = pd.Series(["2-Jun-06", "11/13/06", "Pre-PQ Process"])
    parsed = c.parse_dates(values)
    assert parsed[0] == pd.Timestamp("2006-06-02")
    assert parsed[1] == pd.Timestamp("2006-11-13")
    assert pd.isna(parsed[2])


def test_date_sentinels_counted():
    raw = make_raw([{}])
    raw["PO Sent to Vendor Date"] = ["N/A - From RDC"]
    counts = c.count_sentinels(raw)
    assert counts["PO Sent to Vendor Date"]["N/A - From RDC"] == 1


def test_weight_captured_separately_is_missing():
    shipments, _ = _clean([{c.WEIGHT: "Weight Captured Separately"}])
    assert math.isnan(shipments.loc["ASN-1", "weight_kg"])
    assert shipments.loc["ASN-1", "weight_status"] == "captured_separately"


def test_implausible_rows_flagged_not_dropped():
    shipments, report = _clean(
        [
            {c.SHIPMENT: "ASN-1", c.WEIGHT: "0", c.FREIGHT: "50"},
            {c.SHIPMENT: "ASN-2", c.FREIGHT: "0.5"},
            {c.SHIPMENT: "ASN-3", c.WEIGHT: "1", c.FREIGHT: "5000"},
            {c.SHIPMENT: "ASN-4"},
        ],
        max_cost_per_kg=1000.0,
    )
    assert len(shipments) == 4
    assert shipments.loc["ASN-1", "flag_zero_weight"]
    assert shipments.loc["ASN-2", "flag_tiny_freight"]
    assert shipments.loc["ASN-3", "flag_cost_per_kg"]
    assert not shipments.loc["ASN-4", "implausible"]
    assert report.flagged_any == 3


def test_dangling_reference_counted():
    _, report = _clean(
        [
            {c.SHIPMENT: "ASN-1", c.FREIGHT: "See ASN-1 (ID#:99)"},
            {c.SHIPMENT: "ASN-2", c.FREIGHT: "10"},
        ]
    )
    assert report.references_dangling == 1
