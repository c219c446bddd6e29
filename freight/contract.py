"""Raw data contract of the SCMS delivery history file.

The contract covers the columns that cleaning and features read, the
sentinel strings the file uses in place of numbers and dates, and the
checks that a raw file must pass before anything is derived from it.
"""

from __future__ import annotations

import difflib
import gzip
import io
import re
import zlib
from pathlib import Path

import pandas as pd

# Column names exactly as the SCMS CSV header spells them.
ID = "ID"
SHIPMENT = "ASN/DN #"
COUNTRY = "Country"
FULFILL_VIA = "Fulfill Via"
INCO_TERM = "Vendor INCO Term"
SHIPMENT_MODE = "Shipment Mode"
SCHEDULED_DATE = "Scheduled Delivery Date"
PRODUCT_GROUP = "Product Group"
SUB_CLASSIFICATION = "Sub Classification"
VENDOR = "Vendor"
QUANTITY = "Line Item Quantity"
VALUE = "Line Item Value"
PACK_PRICE = "Pack Price"
MANUFACTURING_SITE = "Manufacturing Site"
FIRST_LINE = "First Line Designation"
WEIGHT = "Weight (Kilograms)"
FREIGHT = "Freight Cost (USD)"

REQUIRED_COLUMNS = (
    ID,
    SHIPMENT,
    COUNTRY,
    FULFILL_VIA,
    INCO_TERM,
    SHIPMENT_MODE,
    SCHEDULED_DATE,
    PRODUCT_GROUP,
    SUB_CLASSIFICATION,
    VENDOR,
    QUANTITY,
    VALUE,
    PACK_PRICE,
    MANUFACTURING_SITE,
    FIRST_LINE,
    WEIGHT,
    FREIGHT,
)

# Columns known only after the shipment has left, or identifiers. They are
# never features; the data tests check it.
POST_SHIPMENT_COLUMNS = (
    "Delivered to Client Date",
    "Delivery Recorded Date",
    "Line Item Insurance (USD)",
)
ID_COLUMNS = ("Project Code", "PQ #", "PO / SO #", SHIPMENT, ID)

SHIPMENT_MODES = ("Air", "Truck", "Air Charter", "Ocean", "N/A")

# Sentinel strings. "N/A" in Shipment Mode and Vendor INCO Term and
# "N/A - From RDC" are category values, not missing data.
FREIGHT_INCLUDED = "Freight Included in Commodity Cost"
INVOICED_SEPARATELY = "Invoiced Separately"
WEIGHT_SEPARATE = "Weight Captured Separately"
DATE_SENTINELS = ("Pre-PQ Process", "Date Not Captured", "N/A - From RDC")
NOT_A_NUMBER_SENTINELS = {
    FREIGHT: (FREIGHT_INCLUDED, INVOICED_SEPARATELY),
    WEIGHT: (WEIGHT_SEPARATE,),
}
DATE_COLUMNS = (
    "PQ First Sent to Client Date",
    "PO Sent to Vendor Date",
    SCHEDULED_DATE,
    "Delivered to Client Date",
    "Delivery Recorded Date",
)
DATE_FORMATS = ("%d-%b-%y", "%m/%d/%y")

# "See ASN-93 (ID#:1281)" or "See DN-304 (ID#:10922)".
REFERENCE_PATTERN = re.compile(
    r"^See (?P<shipment>(?:ASN|DN)-[^ ]+) \(ID#:(?P<line_id>\d+)\)$"
)

NUMERIC_COLUMNS = (QUANTITY, VALUE, PACK_PRICE)


class DataContractError(ValueError):
    """Raised when a raw file breaks the data contract."""


def read_raw_csv(path: str | Path) -> pd.DataFrame:
    """Read an SCMS CSV (optionally gzip-compressed) as strings.

    Accepts UTF-8 with or without a byte-order mark and LF, CRLF or CR
    line endings. Every cell stays a string, so sentinels survive until
    cleaning parses them.

    Raises:
        DataContractError: if the file is missing, is a truncated or
            corrupt gzip file, is not UTF-8, has no header or has a row
            that the CSV parser cannot split.
    """
    path = Path(path)
    if not path.is_file():
        raise DataContractError(
            f"data file not found: {path}. Pass --data with the path of an "
            "SCMS delivery history CSV."
        )
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as error:
            raise DataContractError(
                f"{path} starts like a gzip file but cannot be "
                f"decompressed ({error}). The file is truncated or "
                "corrupt: copy or download it again, or pass the "
                "uncompressed CSV."
            ) from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataContractError(
            f"{path} is not valid UTF-8: byte {raw[error.start]:#04x} at "
            f"offset {error.start} cannot be decoded. Re-save the file as "
            "UTF-8 (for example `iconv -f latin1 -t utf-8`)."
        ) from error
    if not text.strip():
        raise DataContractError(
            f"{path} is empty: expected a header row and at least one line "
            "item."
        )
    # newline=None turns CR and CRLF line endings into LF, also inside
    # quoted fields.
    buffer = io.StringIO(text, newline=None)
    try:
        frame = pd.read_csv(buffer, dtype=str, keep_default_na=False)
    except pd.errors.ParserError as error:
        raise DataContractError(
            f"{path} is not a well-formed CSV: {str(error).strip()}. Every "
            "row must have as many comma-separated fields as the header, "
            "with quotes around values that contain commas."
        ) from error
    frame.columns = [str(column).strip() for column in frame.columns]
    return frame


def check_columns(
    frame: pd.DataFrame, optional: tuple[str, ...] = ()
) -> None:
    """Raise if a required column is missing, naming close matches.

    Args:
        frame: The raw frame.
        optional: Required columns that may be absent, such as the
            freight label in an unlabelled batch.
    """
    missing = [
        c for c in REQUIRED_COLUMNS
        if c not in frame.columns and c not in optional
    ]
    if not missing:
        return
    hints = []
    for column in missing:
        close = difflib.get_close_matches(
            column, list(frame.columns), n=1, cutoff=0.6
        )
        if close:
            hints.append(f"'{close[0]}' looks like '{column}'")
    message = (
        f"missing required column(s): {', '.join(map(repr, missing))}. "
        "The file must use the SCMS header names exactly."
    )
    if hints:
        message += " Rename: " + "; ".join(hints) + "."
    raise DataContractError(message)


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def check_types(frame: pd.DataFrame) -> None:
    """Raise on the first column whose values cannot be parsed.

    IDs must be integers, quantities, values and pack prices numbers, and
    freight and weight a number, a known sentinel or a "See ..."
    reference to another line.
    """
    if len(frame) == 0:
        raise DataContractError(
            "the file has a header but no line items: expected at least "
            "one row."
        )
    ids = frame[ID].str.strip()
    bad_ids = ids[~ids.str.fullmatch(r"\d+")]
    if len(bad_ids):
        raise DataContractError(
            f"column '{ID}' must hold integers; row {bad_ids.index[0] + 2} "
            f"holds {bad_ids.iloc[0]!r}."
        )
    if ids.duplicated().any():
        duplicate = ids[ids.duplicated()].iloc[0]
        raise DataContractError(
            f"column '{ID}' must be unique; ID {duplicate} appears more "
            "than once."
        )
    for column in NUMERIC_COLUMNS:
        values = frame[column].str.strip()
        bad = values[~values.map(_is_number)]
        if len(bad):
            raise DataContractError(
                f"column '{column}' must hold numbers; row "
                f"{bad.index[0] + 2} holds {bad.iloc[0]!r}."
            )
    for column, sentinels in NOT_A_NUMBER_SENTINELS.items():
        values = frame[column].str.strip()
        allowed = (
            values.map(_is_number)
            | values.isin(sentinels)
            | values.str.match(REFERENCE_PATTERN)
            | (values == "")
        )
        bad = values[~allowed]
        if len(bad):
            raise DataContractError(
                f"column '{column}' must hold a number, one of "
                f"{list(sentinels)}, a 'See ASN-… (ID#:…)' reference or "
                "nothing; "
                f"row {bad.index[0] + 2} holds {bad.iloc[0]!r}."
            )
    for column in (SCHEDULED_DATE,):
        values = frame[column].str.strip()
        parsed = parse_dates(values)
        bad = values[parsed.isna() & ~values.isin(DATE_SENTINELS)]
        if len(bad):
            raise DataContractError(
                f"column '{column}' must hold dates like '2-Jun-06' or "
                f"'11/13/06'; row {bad.index[0] + 2} holds {bad.iloc[0]!r}."
            )


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse SCMS dates with explicit formats; sentinels become NaT."""
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for date_format in DATE_FORMATS:
        attempt = pd.to_datetime(values, format=date_format, errors="coerce")
        parsed = parsed.fillna(attempt)
    return parsed


def count_sentinels(frame: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Count each sentinel value per column, for run metadata."""
    counts: dict[str, dict[str, int]] = {}
    for column, sentinels in NOT_A_NUMBER_SENTINELS.items():
        values = frame[column].str.strip()
        column_counts = {s: int((values == s).sum()) for s in sentinels}
        column_counts["See reference"] = int(
            values.str.match(REFERENCE_PATTERN).sum()
        )
        counts[column] = column_counts
    for column in DATE_COLUMNS:
        if column in frame.columns:
            values = frame[column].str.strip()
            counts[column] = {
                s: int((values == s).sum()) for s in DATE_SENTINELS
            }
    for column in (SHIPMENT_MODE, INCO_TERM):
        counts[column] = {"N/A": int((frame[column].str.strip() == "N/A").sum())}
    return counts


def add_missing_label(frame: pd.DataFrame) -> pd.DataFrame:
    """Add an empty freight column to an unlabelled batch."""
    if FREIGHT in frame.columns:
        return frame
    frame = frame.copy()
    frame[FREIGHT] = ""
    return frame


def validate_raw(frame: pd.DataFrame, require_label: bool = True) -> None:
    """Check columns and types of a raw SCMS frame.

    Args:
        frame: The raw frame, every cell a string.
        require_label: Whether the freight column must be present. An
            unlabelled batch for inference passes False.
    """
    check_columns(frame, optional=() if require_label else (FREIGHT,))
    check_types(add_missing_label(frame))
