"""Request log of a real `mlflow models serve` process and its summary."""

import datetime as dt
import json
from pathlib import Path

import pytest

from freight.cleaning import clean_shipments
from freight.features import build_features
from monitoring.config import load_monitoring_config
from monitoring.traffic import summarize_traffic
from serving import request_log
from tests.integration.test_mlflow_endpoint import (
    GOOD_RECORD,
    invoke,
    model_path,  # noqa: F401 (fixture)
    records_body,
    serve_model,
    with_field,
)
from tests.serving_model import raw_lines
from tests.unit.test_request_log import LOGGED_RECORD

TRAINING_ROWS = 1500
GOOD_REQUESTS = 4
RECORDS_PER_REQUEST = 10
BAD_BODIES = [
    records_body(with_field("Line Item Value", -1)),
    records_body(with_field("Shipment Mode", "Rail")),
    records_body(),
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def served_records():
    """Valid SCMS rows after the training rows, one shipment each."""
    raw = raw_lines(TRAINING_ROWS + 200).iloc[TRAINING_ROWS:]
    valid = raw[
        (raw["Line Item Value"].astype(float) > 0)
        & (raw["Weight (Kilograms)"] != "0")
    ]
    rows = valid.drop(columns=["ASN/DN #"]).to_dict(orient="records")
    return rows[: GOOD_REQUESTS * RECORDS_PER_REQUEST]


@pytest.fixture(scope="module")
def traffic(model_path, tmp_path_factory):  # noqa: F811
    """Serve the model, send good and bad requests, return the log path."""
    root = tmp_path_factory.mktemp("request_log")
    log_path = root / "requests.jsonl"
    extra_env = {request_log.PATH_ENV: str(log_path)}
    records = served_records()
    statuses = []
    started = dt.datetime.now(dt.timezone.utc)
    with serve_model(model_path, root / "server.log", extra_env) as url:
        for start in range(0, len(records), RECORDS_PER_REQUEST):
            chunk = records[start:start + RECORDS_PER_REQUEST]
            statuses.append(invoke(url, records_body(*chunk)).status_code)
        for body in BAD_BODIES:
            statuses.append(invoke(url, body).status_code)
        # MLflow rejects a body that is not JSON before the model runs.
        statuses.append(invoke(url, "{not json").status_code)
        statuses.append(invoke(url, records_body(GOOD_RECORD)).status_code)
    finished = dt.datetime.now(dt.timezone.utc)
    return log_path, statuses, started, finished


def read_lines(log_path):
    return [json.loads(line) for line in log_path.read_text().splitlines()]


def test_logged_code_has_request_log(model_path):  # noqa: F811
    assert (Path(model_path) / "code/serving/request_log.py").is_file()


def test_server_keeps_serving_after_errors(traffic):
    _, statuses, _, _ = traffic

    assert statuses[:GOOD_REQUESTS] == [200] * GOOD_REQUESTS
    assert statuses[GOOD_REQUESTS:-1] == [400] * (len(BAD_BODIES) + 1)
    assert statuses[-1] == 200


def test_log_has_one_line_per_request(traffic):
    log_path, _, _, _ = traffic

    lines = read_lines(log_path)

    outcomes = [line["outcome"] for line in lines]
    assert outcomes == ["ok"] * GOOD_REQUESTS + ["error"] * 3 + ["ok"]
    assert {line["model_version"] for line in lines} == {"test-1"}
    assert all(line["latency_ms"] > 0 for line in lines)


def test_ok_line_has_validated_fields(traffic):
    log_path, _, _, _ = traffic

    first, last = read_lines(log_path)[0], read_lines(log_path)[-1]

    assert first["record_count"] == RECORDS_PER_REQUEST
    assert len(first["records"]) == RECORDS_PER_REQUEST
    assert first["error"] is None
    assert last["records"] == [LOGGED_RECORD]


def test_error_line_has_message(traffic):
    log_path, _, _, _ = traffic

    errors = [x for x in read_lines(log_path) if x["outcome"] == "error"]

    assert "'Line Item Value'" in errors[0]["error"]
    assert "'Shipment Mode'" in errors[1]["error"]
    assert "at least one" in errors[2]["error"]
    assert errors[2]["record_count"] == 0
    assert all(error["records"] == [] for error in errors)


def test_summary_of_served_window(traffic):
    log_path, _, started, finished = traffic
    raw = raw_lines(TRAINING_ROWS)
    shipments, _ = clean_shipments(raw)
    labelled = shipments[shipments["freight_usd"].notna()]
    config = load_monitoring_config()

    summary = summarize_traffic(
        log_path,
        started - dt.timedelta(seconds=1),
        finished + dt.timedelta(seconds=1),
        build_features(labelled),
        config.drift,
        config.gate.drift_share,
    )

    assert summary.request_count == GOOD_REQUESTS + 4
    assert summary.error_count == 3
    assert summary.error_rate == pytest.approx(3 / 8)
    assert summary.latency_ms["p50"] > 0
    assert summary.latency_ms["p90"] >= summary.latency_ms["p50"]
    assert summary.latency_ms["p99"] >= summary.latency_ms["p90"]
    assert summary.shipment_count == GOOD_REQUESTS * RECORDS_PER_REQUEST + 1
    assert summary.drift is not None
    assert summary.drift.current_rows == summary.shipment_count
    assert summary.drift_skipped_reason is None
    assert "drift share" in summary.message
    assert "<script" not in summary.drift_html
    assert summary.drift_png.startswith(PNG_SIGNATURE)
