"""Request schema for one raw shipment line item.

A record is one line item keyed either by the SCMS CSV headers
("Shipment Mode", "Weight (Kilograms)", "ASN/DN #", ...) or by their
snake_case form: lower case, every run of other characters replaced by
one underscore ("shipment_mode", "weight_kilograms", "asn_dn", "id").
Both spellings may be mixed in one record, but a field given twice is
invalid.

Required: Country, Shipment Mode, Scheduled Delivery Date, Line Item
Quantity and Line Item Value. Every other model input is optional: an
absent category becomes the category "missing", an absent weight leaves
the shipment's weight unknown, and an absent Pack Price is Line Item
Value / Line Item Quantity, as the SCMS file defines it.

The remaining SCMS headers (Project Code, Item Description, Freight Cost
(USD), ...) are accepted and ignored, so a whole row of an SCMS file is
a valid record. Any other key is rejected, because a misspelt optional
field would otherwise be dropped without notice.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from freight import contract as c


def snake_case(header: str) -> str:
    """Return the snake_case key of a CSV header ("PQ #" -> "pq")."""
    return re.sub(r"[^0-9a-z]+", "_", header.lower()).strip("_")


# Model inputs, by CSV header. The snake_case key is the field name.
USED_HEADERS = (
    c.ID,
    c.SHIPMENT,
    c.COUNTRY,
    c.FULFILL_VIA,
    c.INCO_TERM,
    c.SHIPMENT_MODE,
    c.SCHEDULED_DATE,
    c.PRODUCT_GROUP,
    c.SUB_CLASSIFICATION,
    c.VENDOR,
    c.QUANTITY,
    c.VALUE,
    c.PACK_PRICE,
    c.MANUFACTURING_SITE,
    c.FIRST_LINE,
    c.WEIGHT,
)
# SCMS headers that a record may carry but the model does not read.
IGNORED_HEADERS = (
    "Project Code",
    "PQ #",
    "PO / SO #",
    "Managed By",
    "PQ First Sent to Client Date",
    "PO Sent to Vendor Date",
    "Delivered to Client Date",
    "Delivery Recorded Date",
    "Item Description",
    "Molecule/Test Type",
    "Brand",
    "Dosage",
    "Dosage Form",
    "Unit of Measure (Per Pack)",
    "Unit Price",
    c.FREIGHT,
    "Line Item Insurance (USD)",
)
REQUIRED_HEADERS = (
    c.COUNTRY,
    c.SHIPMENT_MODE,
    c.SCHEDULED_DATE,
    c.QUANTITY,
    c.VALUE,
)

HEADER_BY_FIELD = {snake_case(h): h for h in USED_HEADERS}
FIELD_BY_KEY = {h: snake_case(h) for h in USED_HEADERS} | {
    snake_case(h): snake_case(h) for h in USED_HEADERS
}
IGNORED_KEYS = frozenset(IGNORED_HEADERS) | frozenset(
    snake_case(h) for h in IGNORED_HEADERS
)
ISO_FORMAT = "%Y-%m-%d"
MAX_REPORTED_ERRORS = 20


@dataclass(frozen=True)
class FieldError:
    """One invalid field of one record.

    Attributes:
        record: position of the record in the request, or None for an
            error about the request as a whole.
        field: the key as the caller sent it, or the CSV header of a
            missing field.
        value: repr of the rejected value ("<missing>" when absent).
        rule: what the value breaks and how to fix it.
    """

    record: int | None
    field: str
    value: str
    rule: str

    def __str__(self) -> str:
        where = "request" if self.record is None else f"record {self.record}"
        return f"{where}: field '{self.field}' = {self.value}: {self.rule}"


class InvalidRecordsError(ValueError):
    """Raised when one or more records of a request are invalid.

    Attributes:
        errors: every field error found, in request order.
    """

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        listed = "; ".join(str(e) for e in errors[:MAX_REPORTED_ERRORS])
        more = len(errors) - MAX_REPORTED_ERRORS
        if more > 0:
            listed += f"; and {more} more error(s)"
        super().__init__(f"{len(errors)} invalid field(s): {listed}")


def _reject_non_string(value: Any, expected: str) -> str:
    if value is None:
        raise ValueError(f"must not be null: send {expected}")
    if not isinstance(value, str):
        raise ValueError(
            f"must be a string ({expected}), got {type(value).__name__}"
        )
    return value.strip()


def _required_text(value: Any) -> str:
    text = _reject_non_string(value, "a category name")
    if not text:
        raise ValueError("must not be empty: send the category name")
    return text


def _optional_text(value: Any) -> str | None:
    if value is None:
        return None
    return _reject_non_string(value, "a category name") or None


def _shipment_mode(value: Any) -> str:
    text = _reject_non_string(value, "a shipment mode")
    by_lower = {mode.lower(): mode for mode in c.SHIPMENT_MODES}
    if text.lower() not in by_lower:
        raise ValueError(
            f"must be one of {list(c.SHIPMENT_MODES)}; use 'N/A' when the "
            "mode is not known"
        )
    return by_lower[text.lower()]


def _to_float(value: Any, fix: str) -> float:
    if value is None:
        raise ValueError(f"must not be null; {fix}")
    # bool is an int subclass, but True is no quantity.
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(
            f"must be a number, got {type(value).__name__}; {fix}"
        )
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"must be a number; {fix}") from None
    if not math.isfinite(number):
        raise ValueError(
            f"must be a finite number, not NaN or infinite; {fix}"
        )
    return number


def _positive(value: Any) -> float:
    number = _to_float(value, "send a number greater than 0")
    if number <= 0:
        raise ValueError(
            "must be greater than 0: the model estimates freight only for "
            "line items with a positive quantity and value"
        )
    return number


def _optional_non_negative(value: Any) -> float | None:
    if value is None:
        return None
    number = _to_float(value, "send a number of 0 or more, or leave it out")
    if number < 0:
        raise ValueError("must be 0 or more, or left out")
    return number


def _line_id(value: Any) -> int | None:
    if value is None:
        return None
    fix = "send the line item's integer ID, or leave it out"
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    number = _to_float(value, fix)
    if not number.is_integer() or number < 0:
        raise ValueError(f"must be a whole number of 0 or more; {fix}")
    return int(number)


def _shipment_id(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(
            "must be a string such as 'ASN-8' or 'DN-304', got a number"
        )
    return _optional_text(value)


@functools.lru_cache(maxsize=4096)
def parse_date(text: str) -> date | None:
    """Parse an SCMS ("2-Jun-06", "11/13/06") or ISO date, else None."""
    for date_format in (*c.DATE_FORMATS, ISO_FORMAT):
        try:
            return datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    return None


def _scheduled_date(value: Any) -> date:
    if isinstance(value, (date, datetime)):
        return value if isinstance(value, date) else value.date()
    text = _reject_non_string(value, "a date")
    parsed = parse_date(text)
    if parsed is None:
        raise ValueError(
            "must be a date like '2-Jun-06', '11/13/06' or '2006-06-02'"
        )
    return parsed


def _weight(value: Any) -> float | str | None:
    """Validate a weight: kilograms, a sentinel, a reference or None."""
    if value is None:
        return None
    fix = (
        f"send kilograms greater than 0, '{c.WEIGHT_SEPARATE}', a "
        "'See ASN-... (ID#:...)' reference, or leave the field out"
    )
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text == c.WEIGHT_SEPARATE or c.REFERENCE_PATTERN.match(text):
            return text
    number = _to_float(value, fix)
    if number <= 0:
        raise ValueError(f"must be greater than 0; {fix}")
    return number


RequiredText = Annotated[str, BeforeValidator(_required_text)]
OptionalText = Annotated[str | None, BeforeValidator(_optional_text)]


class LineItemRecord(BaseModel):
    """One validated raw line item, with snake_case field names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[int | None, BeforeValidator(_line_id)] = None
    asn_dn: Annotated[str | None, BeforeValidator(_shipment_id)] = None
    country: RequiredText
    shipment_mode: Annotated[str, BeforeValidator(_shipment_mode)]
    scheduled_delivery_date: Annotated[date, BeforeValidator(_scheduled_date)]
    line_item_quantity: Annotated[float, BeforeValidator(_positive)]
    line_item_value: Annotated[float, BeforeValidator(_positive)]
    pack_price: Annotated[
        float | None, BeforeValidator(_optional_non_negative)
    ] = None
    weight_kilograms: Annotated[
        float | str | None, BeforeValidator(_weight)
    ] = None
    fulfill_via: OptionalText = None
    vendor_inco_term: OptionalText = None
    product_group: OptionalText = None
    sub_classification: OptionalText = None
    vendor: OptionalText = None
    manufacturing_site: OptionalText = None
    first_line_designation: OptionalText = None


def _map_keys(
    index: int, record: dict
) -> tuple[dict[str, Any], dict[str, str], list[FieldError]]:
    """Map a record's keys to field names; drop ignored SCMS columns."""
    fields: dict[str, Any] = {}
    sent_as: dict[str, str] = {}
    errors: list[FieldError] = []
    for raw_key, value in record.items():
        key = str(raw_key).strip()
        name = FIELD_BY_KEY.get(key)
        if name is None and key in IGNORED_KEYS:
            continue
        if name is None:
            errors.append(_unknown_field(index, key, value))
            continue
        if name in sent_as:
            errors.append(
                FieldError(
                    index,
                    key,
                    repr(value),
                    f"duplicates '{sent_as[name]}': send the field once, "
                    "either as the CSV header or as its snake_case key",
                )
            )
            continue
        fields[name] = value
        sent_as[name] = key
    return fields, sent_as, errors


def _unknown_field(index: int, key: str, value: Any) -> FieldError:
    known = list(FIELD_BY_KEY)
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return FieldError(
        index,
        key,
        repr(value),
        "unknown field: send SCMS CSV headers or their snake_case keys "
        f"only{hint}",
    )


def validate_record(index: int, record: Any) -> LineItemRecord:
    """Validate one request record.

    Args:
        index: position of the record in the request, used in errors.
        record: mapping of CSV headers or snake_case keys to values.

    Returns:
        The validated line item.

    Raises:
        InvalidRecordsError: listing every invalid field of the record.
    """
    if not isinstance(record, dict):
        raise InvalidRecordsError(
            [
                FieldError(
                    index,
                    "<record>",
                    type(record).__name__,
                    "must be a JSON object of field names and values",
                )
            ]
        )
    fields, sent_as, errors = _map_keys(index, record)
    try:
        validated = LineItemRecord.model_validate(fields)
    except ValidationError as error:
        errors.extend(_field_errors(index, error, fields, sent_as))
        validated = None
    if errors:
        raise InvalidRecordsError(errors)
    return validated


def _field_errors(
    index: int,
    error: ValidationError,
    fields: dict[str, Any],
    sent_as: dict[str, str],
) -> list[FieldError]:
    found = []
    for item in error.errors(include_url=False):
        name = str(item["loc"][0]) if item["loc"] else "<record>"
        header = HEADER_BY_FIELD.get(name, name)
        if item["type"] == "missing":
            found.append(
                FieldError(
                    index,
                    header,
                    "<missing>",
                    f"required: add '{header}' (or '{name}') to the record",
                )
            )
            continue
        rule = str(item["msg"]).removeprefix("Value error, ")
        found.append(
            FieldError(
                index, sent_as.get(name, header), repr(fields.get(name)), rule
            )
        )
    return found
