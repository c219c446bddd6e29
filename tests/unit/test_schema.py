"""Tests of the line-item request schema."""

from datetime import date

import pytest

from freight.schema import (
    IGNORED_HEADERS,
    InvalidRecordsError,
    snake_case,
    validate_record,
)


def header_record(**overrides):
    record = {
        "ID": 1,
        "ASN/DN #": "ASN-8",
        "Country": "Côte d'Ivoire",
        "Fulfill Via": "Direct Drop",
        "Vendor INCO Term": "EXW",
        "Shipment Mode": "Air",
        "Scheduled Delivery Date": "2-Jun-06",
        "Product Group": "HRDT",
        "Sub Classification": "HIV test",
        "Vendor": "RANBAXY Fine Chemicals LTD.",
        "Line Item Quantity": 19,
        "Line Item Value": 551,
        "Pack Price": 29,
        "Manufacturing Site": "Ranbaxy Fine Chemicals LTD",
        "First Line Designation": "Yes",
        "Weight (Kilograms)": 13,
    }
    record.update(overrides)
    return record


def field_errors(record):
    with pytest.raises(InvalidRecordsError) as caught:
        validate_record(0, record)
    return caught.value.errors


def test_headers_and_snake_case_give_same_record():
    by_header = validate_record(0, header_record())
    snake = {snake_case(k): v for k, v in header_record().items()}

    by_snake = validate_record(0, snake)

    assert by_header == by_snake
    assert by_header.weight_kilograms == 13.0
    assert by_header.scheduled_delivery_date == date(2006, 6, 2)


def test_snake_case_keys():
    assert snake_case("Weight (Kilograms)") == "weight_kilograms"
    assert snake_case("ASN/DN #") == "asn_dn"
    assert snake_case("ID") == "id"


def test_full_scms_row_is_valid():
    record = header_record(**{h: "x" for h in IGNORED_HEADERS})

    validated = validate_record(0, record)

    assert validated.country == "Côte d'Ivoire"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2-Jun-06", date(2006, 6, 2)),
        ("11/13/06", date(2006, 11, 13)),
        ("2006-06-02", date(2006, 6, 2)),
    ],
)
def test_date_formats(text, expected):
    record = header_record(**{"Scheduled Delivery Date": text})

    assert validate_record(0, record).scheduled_delivery_date == expected


@pytest.mark.parametrize(
    "weight",
    [
        "Weight Captured Separately",
        "See ASN-93 (ID#:1281)",
        "See DN-304 (ID#:10922)",
    ],
)
def test_weight_sentinels_accepted(weight):
    record = header_record(**{"Weight (Kilograms)": weight})

    assert validate_record(0, record).weight_kilograms == weight


def test_weight_absent_or_empty_is_none():
    absent = header_record()
    del absent["Weight (Kilograms)"]

    assert validate_record(0, absent).weight_kilograms is None
    empty = header_record(**{"Weight (Kilograms)": ""})
    assert validate_record(0, empty).weight_kilograms is None


def test_numeric_strings_accepted():
    record = header_record(
        **{"Line Item Value": "551.5", "Weight (Kilograms)": "13"}
    )

    validated = validate_record(0, record)

    assert validated.line_item_value == 551.5
    assert validated.weight_kilograms == 13.0


def test_shipment_mode_case_normalised():
    record = header_record(**{"Shipment Mode": "air charter"})

    assert validate_record(0, record).shipment_mode == "Air Charter"


@pytest.mark.parametrize(
    "field, value, rule",
    [
        ("Weight (Kilograms)", -5, "greater than 0"),
        ("Weight (Kilograms)", 0, "greater than 0"),
        ("Weight (Kilograms)", float("nan"), "finite"),
        ("Weight (Kilograms)", float("inf"), "finite"),
        ("Weight (Kilograms)", "NaN", "finite"),
        ("Weight (Kilograms)", "heavy", "must be a number"),
        ("Line Item Value", -1, "greater than 0"),
        ("Line Item Value", 0, "greater than 0"),
        ("Line Item Value", float("nan"), "finite"),
        ("Line Item Value", float("-inf"), "finite"),
        ("Line Item Value", "abc", "must be a number"),
        ("Line Item Value", True, "must be a number"),
        ("Line Item Value", [1], "must be a number"),
        ("Line Item Quantity", 0, "greater than 0"),
        ("Pack Price", -2, "0 or more"),
        ("Shipment Mode", "Rail", "must be one of"),
        ("Shipment Mode", 3, "must be a string"),
        ("Country", 12, "must be a string"),
        ("Country", "  ", "must not be empty"),
        ("Country", None, "must not be null"),
        ("Scheduled Delivery Date", "June 2006", "must be a date"),
        ("ID", 1.5, "whole number"),
        ("ASN/DN #", 8, "must be a string"),
    ],
)
def test_invalid_value_names_field_and_rule(field, value, rule):
    errors = field_errors(header_record(**{field: value}))

    assert len(errors) == 1
    assert errors[0].field == field
    assert errors[0].record == 0
    assert rule in errors[0].rule
    assert errors[0].value == repr(value)


@pytest.mark.parametrize(
    "field",
    [
        "Country",
        "Shipment Mode",
        "Scheduled Delivery Date",
        "Line Item Quantity",
        "Line Item Value",
    ],
)
def test_missing_required_field(field):
    record = header_record()
    del record[field]

    errors = field_errors(record)

    assert [e.field for e in errors] == [field]
    assert "required" in errors[0].rule
    assert snake_case(field) in errors[0].rule


def test_optional_fields_may_be_absent():
    record = {
        "country": "Vietnam",
        "shipment_mode": "Truck",
        "scheduled_delivery_date": "2010-01-05",
        "line_item_quantity": 3,
        "line_item_value": 30,
    }

    validated = validate_record(0, record)

    assert validated.vendor is None
    assert validated.asn_dn is None
    assert validated.pack_price is None


def test_unknown_field_rejected_with_hint():
    record = header_record(**{"Shipment Mod": "Air"})

    errors = field_errors(record)

    assert errors[0].field == "Shipment Mod"
    assert "unknown field" in errors[0].rule
    assert "Shipment Mode" in errors[0].rule


def test_field_given_twice_rejected():
    record = header_record(country="Vietnam")

    errors = field_errors(record)

    assert errors[0].field == "country"
    assert "duplicates 'Country'" in errors[0].rule


def test_all_errors_of_record_reported():
    record = header_record(
        **{"Line Item Value": -1, "Shipment Mode": "Rail", "Extra": 1}
    )
    del record["Country"]

    fields = {e.field for e in field_errors(record)}

    assert fields == {"Line Item Value", "Shipment Mode", "Extra", "Country"}


def test_non_object_record_rejected():
    errors = field_errors(["Air", 13])

    assert errors[0].field == "<record>"
    assert "JSON object" in errors[0].rule


def test_error_message_names_record_field_value_rule():
    with pytest.raises(InvalidRecordsError) as caught:
        validate_record(4, header_record(**{"Weight (Kilograms)": -5}))

    message = str(caught.value)
    assert "record 4" in message
    assert "'Weight (Kilograms)' = -5" in message
    assert "greater than 0" in message
    assert isinstance(caught.value, ValueError)
