"""Request log lines, size bounds, write failures and settings."""

import datetime as dt
import json
import logging
import time

import pytest

from freight.schema import validate_record
from serving import request_log
from serving.request_log import MIN_MAX_BYTES, RequestLog

RECORD = {
    "country": "Nigeria",
    "shipment_mode": "Air",
    "scheduled_delivery_date": "2006-11-13",
    "line_item_quantity": 100,
    "line_item_value": 2500,
    "weight_kilograms": 120,
}
# RECORD as the log stores it: validated, numbers as floats.
LOGGED_RECORD = {
    "country": "Nigeria",
    "shipment_mode": "Air",
    "scheduled_delivery_date": "2006-11-13",
    "line_item_quantity": 100.0,
    "line_item_value": 2500.0,
    "weight_kilograms": 120.0,
}


def test_rotation_keeps_total_under_limit(tmp_path):
    path = tmp_path / "requests.jsonl"
    log = RequestLog(path, max_bytes=MIN_MAX_BYTES, backup_count=2)
    validated = [validate_record(i, RECORD) for i in range(20)]

    for _ in range(300):
        log.record_ok(time.perf_counter(), "7", 20, validated)
    log.close()

    files = sorted(tmp_path.glob("requests.jsonl*"))
    sizes = [file.stat().st_size for file in files]
    assert len(files) == 3
    assert max(sizes) <= MIN_MAX_BYTES
    assert sum(sizes) <= 3 * MIN_MAX_BYTES
    assert {file.name for file in files} == {
        "requests.jsonl", "requests.jsonl.1", "requests.jsonl.2"
    }


def test_oversized_request_drops_records(tmp_path):
    path = tmp_path / "requests.jsonl"
    log = RequestLog(path, max_bytes=MIN_MAX_BYTES, backup_count=1)
    validated = [validate_record(i, RECORD) for i in range(1000)]

    log.record_ok(time.perf_counter(), "7", 1000, validated)
    log.close()

    [line] = path.read_text().splitlines()
    logged = json.loads(line)
    assert len(line) < MIN_MAX_BYTES
    assert logged["records"] == []
    assert logged["records_omitted"] is True
    assert logged["record_count"] == 1000


def test_line_has_fields_and_outcome(tmp_path):
    path = tmp_path / "requests.jsonl"
    log = RequestLog(path, max_bytes=MIN_MAX_BYTES)

    log.record_ok(time.perf_counter(), "7", 1, [validate_record(0, RECORD)])
    log.record_error(time.perf_counter(), "7", 2, ValueError("bad" * 2000))
    log.close()

    ok, error = [json.loads(line) for line in path.read_text().splitlines()]
    assert ok["outcome"] == "ok"
    assert ok["error"] is None
    assert ok["latency_ms"] >= 0
    assert ok["records"] == [LOGGED_RECORD]
    assert dt.datetime.fromisoformat(ok["timestamp"]).tzinfo is not None
    assert error["outcome"] == "error"
    assert error["error"].startswith("ValueError: bad")
    assert len(error["error"]) == request_log.MAX_ERROR_CHARS
    assert error["records"] == []
    assert error["record_count"] == 2


def test_track_logs_error_and_reraises(tmp_path):
    path = tmp_path / "requests.jsonl"
    log = RequestLog(path)

    with pytest.raises(KeyError):
        with log.track("7", 3) as logged:
            logged.append(RECORD)
            raise KeyError("boom")
    log.close()

    [logged_error] = [json.loads(x) for x in path.read_text().splitlines()]
    assert logged_error["outcome"] == "error"
    assert logged_error["error"] == "KeyError: 'boom'"


def test_write_failure_warns_once(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("")
    # The parent of the log path is a regular file, so mkdir fails.
    log = RequestLog(blocker / "requests.jsonl")

    with caplog.at_level(logging.WARNING, logger=request_log.__name__):
        for _ in range(5):
            with log.track("7", 1) as logged:
                logged.append(RECORD)

    warnings = [r for r in caplog.records if "not written" in r.message]
    assert len(warnings) == 1
    assert "predictions are still returned" in warnings[0].message


def test_empty_env_turns_log_off(monkeypatch, tmp_path):
    monkeypatch.setenv(request_log.PATH_ENV, "")

    log = RequestLog.from_env()

    assert not log.enabled
    log.record_ok(time.perf_counter(), "7", 0, [])


def test_invalid_env_uses_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv(request_log.PATH_ENV, str(tmp_path / "r.jsonl"))
    monkeypatch.setenv(request_log.MAX_BYTES_ENV, "ten")
    monkeypatch.setenv(request_log.BACKUP_COUNT_ENV, "0")

    log = RequestLog.from_env()

    assert log.max_bytes == request_log.DEFAULT_MAX_BYTES
    assert log.backup_count == request_log.DEFAULT_BACKUP_COUNT
