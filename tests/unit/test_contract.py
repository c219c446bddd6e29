"""Reading the raw file and the bad-input cases of the contract."""

from __future__ import annotations

import gzip

import pytest

from freight import cleaning
from freight import contract as c
from tests.conftest import make_raw


def _csv_text(rows=None) -> str:
    return make_raw(rows or [{}, {c.SHIPMENT: "ASN-2"}]).to_csv(index=False)


@pytest.mark.parametrize(
    "encoding,newline",
    [
        ("utf-8", "\n"),
        ("utf-8-sig", "\n"),
        ("utf-8-sig", "\r\n"),
        ("utf-8", "\r"),
    ],
)
def test_read_bom_and_line_endings(tmp_path, encoding, newline):
    path = tmp_path / "scms.csv"
    text = _csv_text().replace("\n", newline)
    path.write_bytes(text.encode(encoding))
    frame = c.read_raw_csv(path)
    assert list(frame.columns) == list(c.REQUIRED_COLUMNS)
    assert len(frame) == 2
    assert frame[c.FREIGHT].tolist() == ["500", "500"]


def test_read_gzip(tmp_path):
    path = tmp_path / "scms.csv.gz"
    path.write_bytes(gzip.compress(_csv_text().encode()))
    assert len(c.read_raw_csv(path)) == 2


def test_missing_column_named(tmp_path):
    raw = make_raw([{}]).drop(columns=[c.FREIGHT])
    with pytest.raises(c.DataContractError, match="Freight Cost"):
        c.validate_raw(raw)


def test_renamed_header_suggests_fix():
    raw = make_raw([{}]).rename(columns={c.SHIPMENT_MODE: "Ship Mode"})
    with pytest.raises(c.DataContractError) as error:
        c.validate_raw(raw)
    assert "'Ship Mode' looks like 'Shipment Mode'" in str(error.value)


def test_no_rows_rejected(tmp_path):
    path = tmp_path / "header_only.csv"
    path.write_text(",".join(c.REQUIRED_COLUMNS) + "\n")
    raw = c.read_raw_csv(path)
    with pytest.raises(c.DataContractError, match="no line items"):
        c.validate_raw(raw)


def test_empty_file_rejected(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(c.DataContractError, match="empty"):
        c.read_raw_csv(path)


def test_freight_without_numbers_rejected():
    raw = make_raw(
        [
            {c.FREIGHT: "Invoiced Separately"},
            {c.SHIPMENT: "ASN-2", c.FREIGHT: "Freight Included in "
             "Commodity Cost"},
        ]
    )
    with pytest.raises(c.DataContractError, match="no usable number"):
        cleaning.clean_shipments(raw)


def test_unparseable_freight_named():
    raw = make_raw([{c.FREIGHT: "about 500"}])
    with pytest.raises(c.DataContractError) as error:
        c.validate_raw(raw)
    assert "Freight Cost (USD)" in str(error.value)
    assert "'about 500'" in str(error.value)


def test_non_utf8_rejected(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(_csv_text([{c.COUNTRY: "Côte d'Ivoire"}]).encode(
        "latin-1"))
    with pytest.raises(c.DataContractError, match="not valid UTF-8"):
        c.read_raw_csv(path)


def test_bad_date_named():
    raw = make_raw([{c.SCHEDULED_DATE: "2006-06-02T00"}])
    with pytest.raises(c.DataContractError, match="Scheduled Delivery"):
        c.validate_raw(raw)


@pytest.mark.parametrize(
    "cut",
    [lambda data: data[: len(data) // 2], lambda data: data[:12]],
    ids=["half", "header_only"],
)
def test_truncated_gzip_rejected(tmp_path, cut):
    path = tmp_path / "scms.csv.gz"
    path.write_bytes(cut(gzip.compress(_csv_text().encode())))
    with pytest.raises(c.DataContractError) as error:
        c.read_raw_csv(path)
    assert "cannot be decompressed" in str(error.value)
    assert str(path) in str(error.value)


def test_corrupt_gzip_rejected(tmp_path):
    path = tmp_path / "scms.csv.gz"
    path.write_bytes(b"\x1f\x8b" + b"not gzip data" * 10)
    with pytest.raises(c.DataContractError, match="truncated or corrupt"):
        c.read_raw_csv(path)


def test_row_with_extra_fields_rejected(tmp_path):
    lines = _csv_text().splitlines()
    lines[2] += ",extra,fields"
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(c.DataContractError) as error:
        c.read_raw_csv(path)
    assert "not a well-formed CSV" in str(error.value)
    assert "line 3" in str(error.value)
