"""The freight pyfunc behind a real `mlflow models serve` process."""

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import pytest
import requests

from serving.pyfunc_model import log_freight_pyfunc
from tests.serving_model import raw_lines, train_small_model

logger = logging.getLogger(__name__)

STARTUP_SECONDS = 180
REQUEST_SECONDS = 120
GOOD_RECORD = {
    "Country": "Nigeria",
    "Shipment Mode": "Air",
    "Scheduled Delivery Date": "11/13/06",
    "Line Item Quantity": 100,
    "Line Item Value": 2500.0,
    "Weight (Kilograms)": 120,
}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    """Train a small model, log it as a pyfunc and download it."""
    root = tmp_path_factory.mktemp("mlflow")
    train_small_model(root / "freight_model", rows=1500)
    mlflow.set_tracking_uri(f"sqlite:///{root / 'mlflow.db'}")
    with mlflow.start_run():
        info = log_freight_pyfunc(root / "freight_model", "test-1")
    return mlflow.artifacts.download_artifacts(
        info.model_uri, dst_path=str(root / "served")
    )


@pytest.fixture(scope="module")
def server(model_path, tmp_path_factory):
    """Start `mlflow models serve` on loopback; stop it afterwards."""
    log_file = tmp_path_factory.mktemp("server") / "server.log"
    with serve_model(model_path, log_file) as url:
        yield url


@contextlib.contextmanager
def serve_model(model_path, log_file, extra_env=None):
    """Run `mlflow models serve` on loopback and yield its URL.

    Args:
        model_path: local directory of the logged pyfunc.
        log_file: file that receives the server's output.
        extra_env: variables added to the server's environment.
    """
    port = free_port()
    # The server execs `uvicorn`, so the venv's bin must be on PATH.
    bin_dir = str(Path(sys.executable).parent)
    env = dict(
        os.environ,
        PYTHONPATH=str(Path.cwd()),
        PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        **(extra_env or {}),
    )
    command = [
        sys.executable, "-m", "mlflow", "models", "serve",
        "-m", model_path, "--host", "127.0.0.1", "-p", str(port),
        "--env-manager", "local", "-w", "1",
    ]
    with open(log_file, "w") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, log_file)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_up(url, process, log_file):
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"mlflow models serve exited with {process.returncode}:\n"
                + log_file.read_text()[-3000:]
            )
        try:
            if requests.get(f"{url}/ping", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    pytest.fail(
        f"mlflow models serve not up after {STARTUP_SECONDS} s:\n"
        + log_file.read_text()[-3000:]
    )


def invoke(url, body, content_type="application/json"):
    """POST a body; dicts are sent as JSON that may contain NaN."""
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body, allow_nan=True)
    return requests.post(
        f"{url}/invocations",
        data=body,
        headers={"Content-Type": content_type},
        timeout=REQUEST_SECONDS,
    )


def records_body(*records):
    return {"dataframe_records": list(records)}


def with_field(field, value):
    return dict(GOOD_RECORD, **{field: value})


def without_field(field):
    return {k: v for k, v in GOOD_RECORD.items() if k != field}


def test_one_record_answered(server):
    started = time.perf_counter()
    response = invoke(server, records_body(GOOD_RECORD))
    elapsed = time.perf_counter() - started

    assert response.status_code == 200, response.text
    [result] = response.json()["predictions"]
    assert result["model_version"] == "test-1"
    assert result["freight_p10_usd"] <= result["freight_usd"]
    assert result["freight_usd"] <= result["freight_p90_usd"]
    logger.warning(f"1 record: {elapsed * 1000:.0f} ms")


BAD_REQUESTS = [
    ("missing field", records_body(without_field("Country")),
     "Country", "required"),
    ("wrong type", records_body(with_field("Line Item Value", "abc")),
     "Line Item Value", "must be a number"),
    ("negative weight", records_body(with_field("Weight (Kilograms)", -5)),
     "Weight (Kilograms)", "greater than 0"),
    ("zero weight", records_body(with_field("Weight (Kilograms)", 0)),
     "Weight (Kilograms)", "greater than 0"),
    ("string NaN weight",
     records_body(with_field("Weight (Kilograms)", "NaN")),
     "Weight (Kilograms)", "finite"),
    ("infinite weight",
     records_body(with_field("Weight (Kilograms)", float("inf"))),
     "Weight (Kilograms)", "finite"),
    ("negative value", records_body(with_field("Line Item Value", -1)),
     "Line Item Value", "greater than 0"),
    ("zero value", records_body(with_field("Line Item Value", 0)),
     "Line Item Value", "greater than 0"),
    ("NaN value",
     records_body(with_field("Line Item Value", float("nan"))),
     "Line Item Value", "required"),
    ("infinite value",
     records_body(with_field("Line Item Value", float("-inf"))),
     "Line Item Value", "finite"),
    ("unknown mode", records_body(with_field("Shipment Mode", "Rail")),
     "Shipment Mode", "must be one of"),
    ("extra field", records_body(with_field("Shipment Mod", "Air")),
     "Shipment Mod", "unknown field"),
    ("empty list", records_body(), "records", "at least one"),
]


@pytest.mark.parametrize(
    "body, field, rule",
    [case[1:] for case in BAD_REQUESTS],
    ids=[case[0] for case in BAD_REQUESTS],
)
def test_bad_record_gets_400(server, body, field, rule):
    response = invoke(server, body)

    assert response.status_code == 400, response.text
    message = response.json()["message"]
    assert f"'{field}'" in message
    assert rule in message
    assert invoke(server, records_body(GOOD_RECORD)).status_code == 200


@pytest.mark.parametrize(
    "body, content_type, status",
    [
        ("{not json", "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (json.dumps(records_body(GOOD_RECORD)), "text/plain", 415),
        (json.dumps({"records": [GOOD_RECORD]}), "application/json", 400),
    ],
    ids=["not json", "not utf-8", "wrong content type", "no format key"],
)
def test_bad_body_gets_4xx(server, body, content_type, status):
    response = invoke(server, body, content_type)

    assert response.status_code == status, response.text
    assert invoke(server, records_body(GOOD_RECORD)).status_code == 200


def test_nan_weight_is_unknown_weight(server):
    # MLflow builds a DataFrame first, so NaN cannot be distinguished from absent.
    body = records_body(with_field("Weight (Kilograms)", float("nan")))

    response = invoke(server, body)

    assert response.status_code == 200, response.text
    [result] = response.json()["predictions"]
    assert any("weight unknown" in w for w in result["warnings"])


def test_mixed_records_keep_order(server):
    records = [
        dict(GOOD_RECORD, **{"ASN/DN #": "ASN-1"}),
        without_field("Weight (Kilograms)"),
        dict(GOOD_RECORD, **{"ASN/DN #": "ASN-1"}),
    ]

    response = invoke(server, records_body(*records))

    assert response.status_code == 200, response.text
    results = response.json()["predictions"]
    assert [r["shipment_key"] for r in results] == [
        "ASN-1", "record-1", "ASN-1"
    ]
    assert [r["line_count"] for r in results] == [2, 1, 2]


def test_ten_thousand_records_answered(server):
    raw = raw_lines(10_324)
    valid = raw[
        (raw["Line Item Value"].astype(float) > 0)
        & (raw["Weight (Kilograms)"] != "0")
    ]
    records = valid.head(10_000).to_dict(orient="records")

    started = time.perf_counter()
    response = invoke(server, records_body(*records))
    elapsed = time.perf_counter() - started

    assert response.status_code == 200, response.text[:2000]
    assert len(response.json()["predictions"]) == 10_000
    assert elapsed < REQUEST_SECONDS
    logger.warning(f"10,000 records: {elapsed:.2f} s")
