"""Cleaning rules of the SCMS delivery history file.

Freight and weight are recorded once per shipment (`ASN/DN #`), on one
line item; the other lines of that shipment hold "See ASN-… (ID#:…)"
references to it. Cleaning resolves those references and produces one
label per shipment, never one per line, so a shipment's freight is never
duplicated across its lines or across a train/test split.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from freight import contract as c

# Snake_case names of the cleaned line-item columns, keyed by raw header.
LINE_COLUMNS = {
    c.ID: "line_id",
    c.SHIPMENT: "shipment_id",
    c.COUNTRY: "country",
    c.FULFILL_VIA: "fulfill_via",
    c.INCO_TERM: "vendor_inco_term",
    c.SHIPMENT_MODE: "shipment_mode",
    c.PRODUCT_GROUP: "product_group",
    c.SUB_CLASSIFICATION: "sub_classification",
    c.VENDOR: "vendor",
    c.MANUFACTURING_SITE: "manufacturing_site",
    c.FIRST_LINE: "first_line_designation",
    c.QUANTITY: "line_item_quantity",
    c.VALUE: "line_item_value",
    c.PACK_PRICE: "pack_price",
}

# Status of a freight or weight cell after parsing.
NUMBER = "number"
REFERENCE = "reference"
INCLUDED_IN_COMMODITY = "included_in_commodity"
INVOICED_SEPARATELY = "invoiced_separately"
CAPTURED_SEPARATELY = "captured_separately"
MISSING = "missing"

_SENTINEL_STATUS = {
    c.FREIGHT_INCLUDED: INCLUDED_IN_COMMODITY,
    c.INVOICED_SEPARATELY: INVOICED_SEPARATELY,
    c.WEIGHT_SEPARATE: CAPTURED_SEPARATELY,
}


@dataclass
class ImplausibleRules:
    """Limits beyond which a labelled shipment is flagged as implausible."""

    min_freight_usd: float = 1.0
    max_cost_per_kg: float = 1000.0


@dataclass
class CleaningReport:
    """Counts of what cleaning resolved, left unlabelled or flagged."""

    line_items: int
    shipments: int
    references_resolved: int
    references_to_non_number: int
    references_dangling: int
    references_cross_shipment: int
    labelled_shipments: int
    unlabelled_included_in_commodity: int
    unlabelled_invoiced_separately: int
    unlabelled_other: int
    flagged_zero_weight: int
    flagged_tiny_freight: int
    flagged_cost_per_kg: int
    flagged_any: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def parse_measure(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split a freight or weight column into numbers and a status.

    Returns:
        The numeric value (NaN unless the cell is a number) and the cell's
        status: number, reference, a sentinel status or missing.
    """
    text = values.fillna("").astype(str).str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    status = pd.Series(MISSING, index=text.index, dtype=object)
    status[numbers.notna()] = NUMBER
    status[text.str.match(c.REFERENCE_PATTERN)] = REFERENCE
    for sentinel, name in _SENTINEL_STATUS.items():
        status[text == sentinel] = name
    numbers[status != NUMBER] = np.nan
    return numbers.astype(float), status


def resolve_references(
    line_ids: pd.Series,
    shipment_ids: pd.Series,
    raw: pd.Series,
    numbers: pd.Series,
    status: pd.Series,
) -> pd.DataFrame:
    """Resolve "See … (ID#:n)" cells to the value and status of line n.

    A reference that points at a sentinel resolves to that sentinel's
    status, so it is still not a number. A reference to an ID that is not
    in the file resolves to `missing`.
    """
    text = raw.fillna("").astype(str).str.strip()
    parts = text.str.extract(c.REFERENCE_PATTERN)
    target = pd.to_numeric(parts["line_id"], errors="coerce")
    by_id_value = pd.Series(numbers.values, index=line_ids.values)
    by_id_status = pd.Series(status.values, index=line_ids.values)
    by_id_shipment = pd.Series(shipment_ids.values, index=line_ids.values)

    is_ref = status == REFERENCE
    resolved_value = numbers.copy()
    resolved_status = status.copy()
    target_ids = target[is_ref]
    found = target_ids.isin(by_id_value.index)
    resolved_value[is_ref] = np.where(
        found, by_id_value.reindex(target_ids).values, np.nan
    )
    resolved_status[is_ref] = np.where(
        found, by_id_status.reindex(target_ids).values, MISSING
    )
    cross = pd.Series(False, index=raw.index)
    cross[is_ref] = found.values & (
        by_id_shipment.reindex(target_ids).values
        != shipment_ids[is_ref].values
    )
    return pd.DataFrame(
        {
            "value": resolved_value,
            "status": resolved_status,
            "reference_target": target,
            "reference_dangling": is_ref & ~target.isin(by_id_value.index),
            "reference_cross_shipment": cross,
        }
    )


def clean_lines(raw: pd.DataFrame) -> pd.DataFrame:
    """Turn a raw SCMS frame into typed line items with resolved measures.

    `freight_usd` and `weight_kg` contain a number only on the line that
    records it. `freight_resolved_status` records what a reference line
    points at. Category values such as "N/A" and "N/A - From RDC" stay as
    they are.
    """
    c.validate_raw(raw)
    lines = raw[list(LINE_COLUMNS)].rename(columns=LINE_COLUMNS).copy()
    for column in lines.columns:
        lines[column] = lines[column].astype(str).str.strip()
    lines["line_id"] = lines["line_id"].astype(int)
    for column in ("line_item_quantity", "line_item_value", "pack_price"):
        lines[column] = lines[column].astype(float)
    lines["scheduled_date"] = c.parse_dates(raw[c.SCHEDULED_DATE].str.strip())

    for column, name in ((c.FREIGHT, "freight"), (c.WEIGHT, "weight")):
        numbers, status = parse_measure(raw[column])
        resolved = resolve_references(
            lines["line_id"], lines["shipment_id"], raw[column], numbers, status
        )
        unit = "usd" if name == "freight" else "kg"
        lines[f"{name}_{unit}"] = numbers
        lines[f"{name}_status"] = status
        lines[f"{name}_resolved_status"] = resolved["status"]
        lines[f"{name}_reference_dangling"] = resolved["reference_dangling"]
        lines[f"{name}_reference_cross_shipment"] = resolved[
            "reference_cross_shipment"
        ]
    return lines


def _shipment_label_status(statuses: pd.Series) -> str:
    """Pick the label status of a shipment from its lines' statuses."""
    values = set(statuses)
    for status in (NUMBER, INCLUDED_IN_COMMODITY, INVOICED_SEPARATELY):
        if status in values:
            return status
    return MISSING


def aggregate_shipments(lines: pd.DataFrame) -> pd.DataFrame:
    """Collapse line items into one row per shipment.

    Descriptive fields come from the shipment's first line (lowest ID).
    Totals, maxima and counts of distinct product groups, sub
    classifications and vendors summarise all of its lines.
    The label `freight_usd` is the number recorded on the shipment's
    freight line, and NaN when the shipment has no usable number; it is
    never filled.
    """
    ordered = lines.sort_values("line_id")
    grouped = ordered.groupby("shipment_id", sort=False)
    first = grouped.first()
    shipments = pd.DataFrame(index=first.index)
    for column in (
        "country",
        "fulfill_via",
        "vendor_inco_term",
        "shipment_mode",
        "product_group",
        "sub_classification",
        "vendor",
        "manufacturing_site",
        "first_line_designation",
    ):
        shipments[column] = first[column]
    shipments["first_line_id"] = first["line_id"]
    shipments["line_count"] = grouped.size()
    shipments["total_value"] = grouped["line_item_value"].sum()
    shipments["total_quantity"] = grouped["line_item_quantity"].sum()
    shipments["max_line_value"] = grouped["line_item_value"].max()
    shipments["max_line_quantity"] = grouped["line_item_quantity"].max()
    shipments["product_group_count"] = grouped["product_group"].nunique()
    shipments["sub_classification_count"] = grouped[
        "sub_classification"
    ].nunique()
    shipments["vendor_count"] = grouped["vendor"].nunique()
    shipments["pack_price"] = grouped["pack_price"].mean()
    shipments["scheduled_date"] = grouped["scheduled_date"].min()

    weight = grouped["weight_kg"].sum(min_count=1)
    shipments["weight_kg"] = weight
    separate = grouped["weight_resolved_status"].agg(
        lambda statuses: CAPTURED_SEPARATELY in set(statuses)
    )
    shipments["weight_status"] = np.select(
        [weight.notna(), separate], [NUMBER, CAPTURED_SEPARATELY], MISSING
    )

    freight = grouped["freight_usd"].sum(min_count=1)
    shipments["freight_usd"] = freight
    shipments["label_status"] = grouped["freight_resolved_status"].agg(
        _shipment_label_status
    )
    shipments.loc[freight.notna(), "label_status"] = NUMBER
    shipments.index.name = "shipment_id"
    return shipments.reset_index()


def flag_implausible(
    shipments: pd.DataFrame, rules: ImplausibleRules
) -> pd.DataFrame:
    """Add boolean flag columns for implausible labelled shipments.

    Flags never drop rows: the caller decides, and logs, what to do with
    flagged shipments.
    """
    flagged = shipments.copy()
    labelled = flagged["freight_usd"].notna()
    flagged["flag_zero_weight"] = flagged["weight_kg"].eq(0)
    flagged["flag_tiny_freight"] = labelled & (
        flagged["freight_usd"] < rules.min_freight_usd
    )
    cost_per_kg = flagged["freight_usd"] / flagged["weight_kg"].where(
        flagged["weight_kg"] > 0
    )
    flagged["flag_cost_per_kg"] = cost_per_kg.gt(rules.max_cost_per_kg)
    flagged["implausible"] = flagged[
        ["flag_zero_weight", "flag_tiny_freight", "flag_cost_per_kg"]
    ].any(axis=1)
    return flagged


def clean_shipments(
    raw: pd.DataFrame,
    rules: ImplausibleRules | None = None,
    require_labels: bool = True,
) -> tuple[pd.DataFrame, CleaningReport]:
    """Run every cleaning rule and return shipments with a report.

    Args:
        raw: Raw line items, every cell a string.
        rules: Limits for the implausible flags.
        require_labels: Raise when no shipment has a usable freight
            number. A batch for inference passes False and may lack the
            freight column.

    Raises:
        DataContractError: if the raw frame breaks the contract or, with
            `require_labels`, no shipment carries a usable freight number.
    """
    rules = rules or ImplausibleRules()
    c.validate_raw(raw, require_label=require_labels)
    lines = clean_lines(c.add_missing_label(raw))
    shipments = flag_implausible(aggregate_shipments(lines), rules)
    labelled = shipments["freight_usd"].notna()
    if require_labels and not labelled.any():
        raise c.DataContractError(
            f"column '{c.FREIGHT}' contains no usable number: every shipment "
            "is a sentinel or a reference to one, so there is nothing to "
            "train on. Provide a file with numeric freight costs."
        )
    is_ref = lines["freight_status"] == REFERENCE
    status = shipments["label_status"]
    report = CleaningReport(
        line_items=len(lines),
        shipments=len(shipments),
        references_resolved=int(
            (is_ref & (lines["freight_resolved_status"] == NUMBER)).sum()
        ),
        references_to_non_number=int(
            (is_ref & (lines["freight_resolved_status"] != NUMBER)).sum()
        ),
        references_dangling=int(lines["freight_reference_dangling"].sum()),
        references_cross_shipment=int(
            lines["freight_reference_cross_shipment"].sum()
        ),
        labelled_shipments=int(labelled.sum()),
        unlabelled_included_in_commodity=int(
            (status == INCLUDED_IN_COMMODITY).sum()
        ),
        unlabelled_invoiced_separately=int(
            (status == INVOICED_SEPARATELY).sum()
        ),
        unlabelled_other=int((status == MISSING).sum()),
        flagged_zero_weight=int(shipments["flag_zero_weight"].sum()),
        flagged_tiny_freight=int(shipments["flag_tiny_freight"].sum()),
        flagged_cost_per_kg=int(shipments["flag_cost_per_kg"].sum()),
        flagged_any=int(shipments["implausible"].sum()),
    )
    return shipments, report
