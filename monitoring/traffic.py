"""Traffic summary of a serving endpoint from its request log.

Reads the JSON lines written by `serving.request_log` (the current file
and its rotated backups), keeps the requests of a time window and reports
request count, latency percentiles, error rate and the drift of the
served inputs against the training features. Served records are turned
into shipment features by the code that serves predictions
(`freight.serving.records_to_lines`, `cleaning.aggregate_shipments`,
`features.build_features`), one request at a time, so records group
into shipments exactly as they did when they were served.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from freight import cleaning
from freight.features import build_features
from freight.schema import InvalidRecordsError
from freight.serving import records_to_lines, validate_records
from monitoring.drift import DriftResult, DriftSettings, check_drift
from monitoring.summary import plot_drift_scores, render_drift_summary_html

logger = logging.getLogger(__name__)

# Below this many served shipments the summary skips the drift test:
# KS and chi-square p-values from a handful of rows flag or clear
# columns almost at random. A rule of thumb, not a power calculation.
DEFAULT_MIN_DRIFT_SHIPMENTS = 30
PERCENTILES = (50, 90, 99)
OK = "ok"


@dataclass
class TrafficSummary:
    """Requests, latency, errors and input drift of one time window.

    Attributes:
        since: Start of the window, inclusive, in UTC.
        until: End of the window, exclusive, in UTC.
        request_count: Requests that arrived in the window.
        error_count: Those that ended with an error (HTTP 4xx or 5xx).
        error_rate: error_count / request_count; None without requests.
        latency_ms: p50, p90 and p99 of the latency in milliseconds
            over all requests, keyed "p50", "p90", "p99"; empty without
            requests. Percentiles use linear interpolation between
            ranks (numpy's default).
        record_count: Records in the successful requests.
        shipment_count: Shipments those records form; the rows of the
            drift test.
        model_versions: Requests per model version.
        skipped_lines: Log lines that were not valid JSON requests.
        drift: Drift of the served shipments, or None when skipped.
        drift_skipped_reason: Why drift was not tested, or None.
        message: One sentence that states the outcome for a reader.
        traffic_html: Static HTML page with no scripts: the message and
            the traffic numbers.
        drift_html: Static drift summary page of `monitoring.summary`,
            or None when drift was skipped.
        drift_png: PNG of drift scores, or None when drift was skipped.
    """

    since: dt.datetime
    until: dt.datetime
    request_count: int
    error_count: int
    error_rate: float | None
    latency_ms: dict[str, float]
    record_count: int
    shipment_count: int
    model_versions: dict[str, int]
    skipped_lines: int
    drift: DriftResult | None
    drift_skipped_reason: str | None
    message: str
    traffic_html: str = field(default="", repr=False)
    drift_html: str | None = field(default=None, repr=False)
    drift_png: bytes | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """Return the numbers as JSON-serialisable values, without HTML."""
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "request_count": self.request_count,
            "error_count": self.error_count,
            "error_rate": self.error_rate,
            "latency_ms": dict(self.latency_ms),
            "record_count": self.record_count,
            "shipment_count": self.shipment_count,
            "model_versions": dict(self.model_versions),
            "skipped_lines": self.skipped_lines,
            "drift": self.drift.as_dict() if self.drift else None,
            "drift_skipped_reason": self.drift_skipped_reason,
            "message": self.message,
        }


def log_files(log_path: str | Path) -> list[Path]:
    """List the log and its rotated backups, oldest first.

    RotatingFileHandler renames `<path>` to `<path>.1`, `<path>.1` to
    `<path>.2` and so on, so a higher suffix is older.
    """
    path = Path(log_path).expanduser()
    pattern = re.compile(re.escape(path.name) + r"\.(\d+)")
    backups = []
    if path.parent.is_dir():
        for candidate in path.parent.iterdir():
            match = pattern.fullmatch(candidate.name)
            if match:
                backups.append((int(match.group(1)), candidate))
    files = [candidate for _, candidate in sorted(backups, reverse=True)]
    if path.is_file():
        files.append(path)
    return files


def read_requests(
    log_path: str | Path, since: dt.datetime, until: dt.datetime
) -> tuple[list[dict[str, Any]], int]:
    """Read the logged requests that arrived in [since, until).

    Args:
        log_path: path of the request log; rotated backups are read too.
        since: start of the window, inclusive. A naive datetime is UTC.
        until: end of the window, exclusive. A naive datetime is UTC.

    Returns:
        The requests in arrival order, each with a parsed `timestamp`,
        and the number of lines skipped because they were not valid
        request entries (such as a line cut short by a full disk).

    Raises:
        ValueError: if until is not after since.
    """
    since, until = _utc(since), _utc(until)
    if until <= since:
        raise ValueError(
            f"window [{since.isoformat()}, {until.isoformat()}) is empty: "
            "until must be after since"
        )
    requests = []
    skipped = 0
    for path in log_files(log_path):
        with open(path, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                entry = _parse_line(line)
                if entry is None:
                    skipped += 1
                elif since <= entry["timestamp"] < until:
                    requests.append(entry)
    if skipped:
        logger.warning(
            f"skipped {skipped} invalid line(s) of request log {log_path}"
        )
    requests.sort(key=lambda entry: entry["timestamp"])
    return requests, skipped


def _parse_line(line: str) -> dict[str, Any] | None:
    try:
        entry = json.loads(line)
        entry["timestamp"] = _utc(
            dt.datetime.fromisoformat(entry["timestamp"])
        )
        entry["latency_ms"] = float(entry["latency_ms"])
        entry["outcome"] = str(entry["outcome"])
    except (ValueError, TypeError, KeyError):
        return None
    return entry


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


def latency_percentiles(latencies_ms: list[float]) -> dict[str, float]:
    """Return p50, p90 and p99 of latencies, or {} for no latencies."""
    if not latencies_ms:
        return {}
    values = np.percentile(np.asarray(latencies_ms, dtype=float), PERCENTILES)
    return {f"p{p}": float(v) for p, v in zip(PERCENTILES, values)}


def served_features(requests: list[dict[str, Any]]) -> pd.DataFrame:
    """Build the shipment features of the records of successful requests.

    Each request is grouped into shipments on its own, as when it was
    served: an ASN/DN # groups records only within one request.

    Returns:
        The feature frame of `build_features`, one row per shipment; an
        empty frame when no successful request carried records.
    """
    frames = []
    for number, entry in enumerate(requests):
        records = entry.get("records") or []
        if entry["outcome"] != OK or not records:
            continue
        try:
            lines = records_to_lines(validate_records(records))
        except InvalidRecordsError as error:
            logger.warning(
                f"logged request of {entry['timestamp'].isoformat()} no "
                f"longer validates, left out of drift: {error}"
            )
            continue
        lines["shipment_id"] = f"{number}/" + lines["shipment_id"]
        frames.append(lines)
    if not frames:
        return pd.DataFrame()
    shipments = cleaning.aggregate_shipments(
        pd.concat(frames, ignore_index=True)
    )
    return build_features(shipments)


def summarize_traffic(
    log_path: str | Path,
    since: dt.datetime,
    until: dt.datetime,
    reference_features: pd.DataFrame,
    drift_settings: DriftSettings | None = None,
    drift_share_threshold: float | None = None,
    min_drift_shipments: int = DEFAULT_MIN_DRIFT_SHIPMENTS,
) -> TrafficSummary:
    """Summarise the requests of a time window from the request log.

    Args:
        log_path: path of the request log (FREIGHT_REQUEST_LOG of the
            server); its rotated backups are read too.
        since: start of the window, inclusive. A naive datetime is UTC.
        until: end of the window, exclusive. A naive datetime is UTC.
        reference_features: training features of the served model, as
            returned by `freight.features.build_features`.
        drift_settings: columns, stattests and thresholds of
            `check_drift`; `DriftSettings()` when None.
        drift_share_threshold: drift share above which the summary
            reports drift; `drift_settings.drift_share` when None.
        min_drift_shipments: fewest served shipments that get a drift
            test; with fewer, drift is skipped and the summary states why.

    Returns:
        The summary. Without requests, or with fewer served shipments
        than `min_drift_shipments`, `drift` is None and
        `drift_skipped_reason` and `message` give the reason.

    Raises:
        ValueError: if until is not after since, or if the reference
            frame is empty or lacks a tested column.
    """
    settings = drift_settings or DriftSettings()
    threshold = (
        settings.drift_share
        if drift_share_threshold is None
        else drift_share_threshold
    )
    since, until = _utc(since), _utc(until)
    window = f"[{since.isoformat()}, {until.isoformat()})"
    if not log_files(log_path):
        logger.warning(f"request log {log_path} not found: no requests")
    requests, skipped = read_requests(log_path, since, until)

    errors = sum(1 for entry in requests if entry["outcome"] != OK)
    latency = latency_percentiles([e["latency_ms"] for e in requests])
    versions: dict[str, int] = {}
    for entry in requests:
        version = str(entry.get("model_version"))
        versions[version] = versions.get(version, 0) + 1
    features = served_features(requests)
    records = sum(
        int(entry.get("record_count") or 0)
        for entry in requests
        if entry["outcome"] == OK
    )

    drift = None
    if not requests:
        reason = f"no requests in the window {window}"
    elif len(features) < min_drift_shipments:
        reason = (
            f"too few served shipments for a drift test: {len(features)}, "
            f"fewer than {min_drift_shipments}"
        )
    else:
        reason = None
        drift = check_drift(
            reference_features, features, settings, include_html=False
        )

    summary = TrafficSummary(
        since=since,
        until=until,
        request_count=len(requests),
        error_count=errors,
        error_rate=errors / len(requests) if requests else None,
        latency_ms=latency,
        record_count=records,
        shipment_count=len(features),
        model_versions=versions,
        skipped_lines=skipped,
        drift=drift,
        drift_skipped_reason=reason,
        message="",
    )
    summary.message = _message(summary, threshold, window)
    summary.traffic_html = render_traffic_html(summary)
    if drift is not None:
        title = f"Drift of served inputs, {window}"
        summary.drift_html = render_drift_summary_html(
            drift, threshold, title=title
        )
        summary.drift_png = plot_drift_scores(drift, threshold)
    logger.info(summary.message)
    return summary


def _message(summary: TrafficSummary, threshold: float, window: str) -> str:
    if not summary.request_count:
        return f"No requests in the window {window}; drift not tested."
    latency = summary.latency_ms
    text = (
        f"{summary.request_count} request(s) in {window}: error rate "
        f"{summary.error_rate:.1%}, latency p50 {latency['p50']:.1f} ms, "
        f"p90 {latency['p90']:.1f} ms, p99 {latency['p99']:.1f} ms; "
    )
    if summary.drift is None:
        return text + f"drift not tested: {summary.drift_skipped_reason}."
    share = summary.drift.drift_share
    relation = "above" if share > threshold else "at or below"
    return text + (
        f"drift share {share:.2f} over {summary.shipment_count} served "
        f"shipments is {relation} the threshold {threshold:.2f}."
    )


def render_traffic_html(summary: TrafficSummary) -> str:
    """Render the traffic numbers as a standalone HTML page, no scripts."""
    rows = [
        ("requests", str(summary.request_count)),
        ("errors", str(summary.error_count)),
        ("error rate", _percent(summary.error_rate)),
        ("records served", str(summary.record_count)),
        ("shipments served", str(summary.shipment_count)),
    ]
    for name, value in summary.latency_ms.items():
        rows.append((f"latency {name}", f"{value:.1f} ms"))
    for version, count in sorted(summary.model_versions.items()):
        rows.append((f"requests to model {version}", str(count)))
    cells = "".join(
        f"<tr><th>{html.escape(name)}</th>"
        f"<td>{html.escape(value)}</td></tr>"
        for name, value in rows
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<title>Endpoint traffic</title></head><body>"
        "<h1>Endpoint traffic</h1>"
        f"<p>{html.escape(summary.message)}</p>"
        f"<table>{cells}</table></body></html>"
    )


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"
