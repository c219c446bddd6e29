"""Freight estimates for raw line-item records, as served by every endpoint.

Records are validated with `freight.schema`, turned into cleaned line
items, grouped into shipments by `cleaning.aggregate_shipments` and
featurised by `features.build_features`, so serving and training share one
definition of a shipment and of its features.

Grouping: records that share an ASN/DN # form one shipment, and a record
without one is a one-line shipment of its own. The shipment's estimate is
repeated on each of its records. `first_in_shipment` is true on exactly
one record per shipment, so summing the estimates of those records counts
each shipment once.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pandas as pd

from freight import cleaning
from freight import contract as c
from freight.features import CATEGORICAL_FEATURES, build_features
from freight.model import FreightModel
from freight.schema import (
    FieldError,
    InvalidRecordsError,
    LineItemRecord,
    validate_record,
)

logger = logging.getLogger(__name__)

_RECORD_PREFIX = "r:"
_SHIPMENT_PREFIX = "s:"


def validate_records(records: Any) -> list[LineItemRecord]:
    """Validate every record of a request.

    Raises:
        InvalidRecordsError: listing the invalid fields of all records,
            when the request is not a non-empty list, when a record is
            invalid, or when two records share an ID.
    """
    if not isinstance(records, (list, tuple)):
        raise InvalidRecordsError(
            [
                FieldError(
                    None,
                    "records",
                    type(records).__name__,
                    "must be a list of line-item records",
                )
            ]
        )
    if not records:
        raise InvalidRecordsError(
            [
                FieldError(
                    None,
                    "records",
                    "[]",
                    "must contain at least one line-item record",
                )
            ]
        )
    validated = []
    errors: list[FieldError] = []
    for index, record in enumerate(records):
        try:
            validated.append(validate_record(index, record))
        except InvalidRecordsError as error:
            errors.extend(error.errors)
    errors.extend(_duplicate_id_errors(validated, records))
    if errors:
        raise InvalidRecordsError(errors)
    return validated


def _duplicate_id_errors(
    validated: list[LineItemRecord], records: Any
) -> list[FieldError]:
    if len(validated) != len(records):
        return []
    first_seen: dict[int, int] = {}
    errors = []
    for index, record in enumerate(validated):
        if record.id is None:
            continue
        if record.id in first_seen:
            errors.append(
                FieldError(
                    index,
                    c.ID,
                    repr(record.id),
                    f"duplicates the ID of record {first_seen[record.id]}: "
                    "IDs must be unique within a request",
                )
            )
        else:
            first_seen[record.id] = index
    return errors


def records_to_lines(records: list[LineItemRecord]) -> pd.DataFrame:
    """Build the cleaned line-item frame that `aggregate_shipments` reads.

    Records without an ID get IDs above the largest one sent, in request
    order. Weight references are resolved within the request only.
    """
    sent_ids = [r.id for r in records if r.id is not None]
    next_id = max(sent_ids, default=0) + 1
    line_ids = []
    for record in records:
        if record.id is None:
            line_ids.append(next_id)
            next_id += 1
        else:
            line_ids.append(record.id)

    lines = pd.DataFrame(
        {
            "line_id": line_ids,
            "shipment_id": [
                _shipment_key(i, r.asn_dn) for i, r in enumerate(records)
            ],
            "country": [r.country for r in records],
            "fulfill_via": [r.fulfill_via for r in records],
            "vendor_inco_term": [r.vendor_inco_term for r in records],
            "shipment_mode": [r.shipment_mode for r in records],
            "product_group": [r.product_group for r in records],
            "sub_classification": [r.sub_classification for r in records],
            "vendor": [r.vendor for r in records],
            "manufacturing_site": [r.manufacturing_site for r in records],
            "first_line_designation": [
                r.first_line_designation for r in records
            ],
            "line_item_quantity": [r.line_item_quantity for r in records],
            "line_item_value": [r.line_item_value for r in records],
            "pack_price": [_pack_price(r) for r in records],
            "scheduled_date": pd.to_datetime(
                [r.scheduled_delivery_date for r in records]
            ),
        }
    )
    raw_weight = pd.Series(
        [_weight_text(r.weight_kilograms) for r in records], dtype=object
    )
    numbers, status = cleaning.parse_measure(raw_weight)
    resolved = cleaning.resolve_references(
        lines["line_id"], lines["shipment_id"], raw_weight, numbers, status
    )
    lines["weight_kg"] = numbers
    lines["weight_status"] = status
    lines["weight_resolved_status"] = resolved["status"]
    # Requests carry no freight label.
    lines["freight_usd"] = np.nan
    lines["freight_resolved_status"] = cleaning.MISSING
    return lines


def _shipment_key(index: int, asn_dn: str | None) -> str:
    # Prefixes keep an ASN/DN # spelt like "record-3" apart from record 3.
    if asn_dn is None:
        return f"{_RECORD_PREFIX}{index}"
    return f"{_SHIPMENT_PREFIX}{asn_dn}"


def _public_key(key: str) -> str:
    if key.startswith(_SHIPMENT_PREFIX):
        return key.removeprefix(_SHIPMENT_PREFIX)
    return key.replace(_RECORD_PREFIX, "record-", 1)


def _pack_price(record: LineItemRecord) -> float:
    if record.pack_price is not None:
        return record.pack_price
    return record.line_item_value / record.line_item_quantity


def _weight_text(weight: float | str | None) -> str:
    if weight is None:
        return ""
    if isinstance(weight, float):
        return repr(weight)
    return weight


def shipment_warnings(
    model: FreightModel, shipments: pd.DataFrame, features: pd.DataFrame
) -> list[list[str]]:
    """List the warnings of each shipment: unseen categories, no weight."""
    warnings: list[list[str]] = [[] for _ in range(len(shipments))]
    absent: list[list[str]] = [[] for _ in range(len(shipments))]
    for column in CATEGORICAL_FEATURES:
        known = set(model.categories.get(column, ()))
        if not known:
            continue
        values = features[column].to_numpy()
        unseen = ~features[column].isin(known).to_numpy()
        for position in np.flatnonzero(unseen):
            # build_features names an absent category "missing".
            if values[position] == "missing":
                absent[position].append(column)
                continue
            warnings[position].append(
                f"{column} '{values[position]}' was not in the training "
                "data: the estimate treats it as an unknown category"
            )
    for position, columns in enumerate(absent):
        if columns:
            warnings[position].append(
                f"absent: {', '.join(columns)}; the estimate treats each "
                "as an unknown category"
            )
    status = shipments["weight_status"].to_numpy()
    for position in np.flatnonzero(shipments["weight_kg"].isna().to_numpy()):
        reason = (
            f"'{c.WEIGHT_SEPARATE}'"
            if status[position] == cleaning.CAPTURED_SEPARATELY
            else "absent, or a reference to a line not in this request"
        )
        warnings[position].append(
            f"weight unknown ({reason}): the estimate is made without "
            "weight, so it is less certain and P10-P90 is usually wider"
        )
    return warnings


def predict_records(
    model: FreightModel, records: Any, model_version: str
) -> list[dict[str, Any]]:
    """Estimate the freight cost of the shipments in a request.

    Args:
        model: the loaded freight model.
        records: line-item records as dicts (see `freight.schema`).
        model_version: the version string returned with each estimate.

    Returns:
        One dict per record, in request order: `freight_usd`,
        `freight_p10_usd`, `freight_p90_usd` (the record's shipment
        estimate, in USD), `model_version`, `shipment_key`, `line_count`,
        `first_in_shipment` and `warnings`.

    Raises:
        InvalidRecordsError: if the request or any record is invalid.
    """
    return predict_validated(model, validate_records(records), model_version)


def predict_validated(
    model: FreightModel, validated: list[LineItemRecord], model_version: str
) -> list[dict[str, Any]]:
    """Estimate freight for records already checked by `validate_records`.

    Returns:
        The results of `predict_records`, one per record.
    """
    started = time.perf_counter()
    lines = records_to_lines(validated)
    shipments = cleaning.aggregate_shipments(lines)
    features = build_features(shipments)
    estimates = model.predict(features)
    warnings = shipment_warnings(model, shipments, features)

    position_by_key = {
        key: position
        for position, key in enumerate(shipments["shipment_id"])
    }
    line_counts = shipments["line_count"].to_numpy()
    predicted = estimates["predicted"].to_numpy()
    low = estimates["p10"].to_numpy()
    high = estimates["p90"].to_numpy()
    seen: set[str] = set()
    results = []
    for key in lines["shipment_id"]:
        position = position_by_key[key]
        results.append(
            {
                "freight_usd": _usd(predicted[position]),
                "freight_p10_usd": _usd(low[position]),
                "freight_p90_usd": _usd(high[position]),
                "model_version": model_version,
                "shipment_key": _public_key(key),
                "line_count": int(line_counts[position]),
                "first_in_shipment": key not in seen,
                "warnings": list(warnings[position]),
            }
        )
        seen.add(key)
    elapsed = time.perf_counter() - started
    warned = sum(1 for w in warnings if w)
    logger.info(
        f"estimated {len(shipments)} shipment(s) from {len(results)} "
        f"record(s) in {elapsed * 1000:.0f} ms, {warned} with warnings, "
        f"model {model_version}"
    )
    return results


def _usd(value: float) -> float:
    return round(float(value), 2)
