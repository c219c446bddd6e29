"""Window filtering, percentiles and summaries of a hand-made request log."""

import datetime as dt
import json

import pytest

from monitoring.traffic import (
    latency_percentiles,
    read_requests,
    summarize_traffic,
)
from tests.unit.test_request_log import RECORD

UTC = dt.timezone.utc
NOON = dt.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def write_entries(path, entries):
    with open(path, "w") as log:
        for entry in entries:
            log.write(json.dumps(entry) + "\n")


def entry(minute, latency_ms, outcome="ok", version="7"):
    return {
        "timestamp": (NOON + dt.timedelta(minutes=minute)).isoformat(),
        "latency_ms": latency_ms,
        "outcome": outcome,
        "error": None if outcome == "ok" else "InvalidRecordsError: x",
        "model_version": version,
        "record_count": 1,
        "records": [RECORD] if outcome == "ok" else [],
    }


def test_window_filter_reads_backups(tmp_path):
    path = tmp_path / "requests.jsonl"
    write_entries(tmp_path / "requests.jsonl.2", [entry(-90, 1.0)])
    write_entries(tmp_path / "requests.jsonl.1", [entry(-30, 2.0)])
    write_entries(path, [entry(0, 3.0), entry(59, 4.0), entry(60, 5.0)])
    with open(path, "a") as log:
        log.write('{"timestamp": "2024-05-01T12:')

    requests, skipped = read_requests(
        path, NOON - dt.timedelta(hours=1), NOON + dt.timedelta(hours=1)
    )

    assert [r["latency_ms"] for r in requests] == [2.0, 3.0, 4.0]
    assert skipped == 1


def test_window_naive_datetimes_are_utc(tmp_path):
    path = tmp_path / "requests.jsonl"
    write_entries(path, [entry(0, 3.0)])

    requests, _ = read_requests(
        path, dt.datetime(2024, 5, 1, 12), dt.datetime(2024, 5, 1, 12, 1)
    )

    assert len(requests) == 1


def test_window_until_before_since_rejected(tmp_path):
    with pytest.raises(ValueError, match="until must be after since"):
        read_requests(tmp_path / "r.jsonl", NOON, NOON)


def test_percentiles_of_one_to_hundred():
    latency = latency_percentiles([float(v) for v in range(100, 0, -1)])

    assert latency["p50"] == pytest.approx(50.5)
    assert latency["p90"] == pytest.approx(90.1)
    assert latency["p99"] == pytest.approx(99.01)


def test_percentiles_of_nothing_empty():
    assert latency_percentiles([]) == {}


def test_summary_counts_errors_skips_drift(tmp_path):
    path = tmp_path / "requests.jsonl"
    entries = [entry(m, float(m + 1)) for m in range(8)]
    entries += [entry(m, 100.0, outcome="error") for m in range(8, 10)]
    entries.append(entry(1, 1.0, version="6"))
    write_entries(path, entries)

    summary = summarize_traffic(
        path, NOON, NOON + dt.timedelta(hours=1), reference_features=None
    )

    assert summary.request_count == 11
    assert summary.error_count == 2
    assert summary.error_rate == pytest.approx(2 / 11)
    assert summary.record_count == 9
    assert summary.shipment_count == 9
    assert summary.model_versions == {"7": 10, "6": 1}
    assert summary.latency_ms["p50"] == pytest.approx(5.0)
    assert summary.drift is None
    assert "too few served shipments" in summary.drift_skipped_reason
    assert "drift not tested" in summary.message
    assert "Endpoint traffic" in summary.traffic_html
    assert summary.drift_html is None


def test_summary_of_empty_window(tmp_path):
    summary = summarize_traffic(
        tmp_path / "absent.jsonl",
        NOON,
        NOON + dt.timedelta(hours=1),
        reference_features=None,
    )

    assert summary.request_count == 0
    assert summary.error_rate is None
    assert summary.latency_ms == {}
    assert summary.drift is None
    assert summary.message.startswith("No requests in the window")
