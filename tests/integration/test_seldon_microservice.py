"""FreightSeldonModel behind a real `seldon-core-microservice` process.

seldon-core 1.19.0 cannot share the training environment (it needs
Python >= 3.12, numpy < 2 and protobuf 5.29.5), so the test builds
requirements-seldon.txt into .venv-seldon and reuses it while the
requirements file is unchanged. The microservice binds 0.0.0.0, so it
runs with its client in private network and PID namespaces (`unshare`,
root only) in which only loopback is up.
"""

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import mlflow
import pandas as pd
import pytest

from serving.pyfunc_model import log_freight_pyfunc
from tests.serving_model import raw_lines, train_small_model

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv-seldon"
REQUIREMENTS = REPO / "requirements-seldon.txt"
STAMP = VENV / "requirements.sha256"
INSTALL_SECONDS = 1200
SERVE_SECONDS = 240
HTTP_PORT = 9000

CLIENT = r'''
import json, sys, time, urllib.error, urllib.request

url, requests_file, results_file = sys.argv[1:4]
deadline = time.monotonic() + 120
while True:
    try:
        urllib.request.urlopen(url + "/health/ping", timeout=2)
        break
    except OSError:
        if time.monotonic() > deadline:
            raise SystemExit("seldon-core-microservice not up after 120 s")
        time.sleep(0.5)
results = {}
for name, body in json.load(open(requests_file)).items():
    request = urllib.request.Request(
        url + "/api/v1.0/predictions",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            results[name] = [response.status, response.read().decode()]
    except urllib.error.HTTPError as error:
        results[name] = [error.code, error.read().decode()]
json.dump(results, open(results_file, "w"))
'''

# Starts the server, runs the client and stops the server. The script is
# PID 1 of its own PID namespace, so when it exits the kernel kills every
# process the microservice forked (gunicorn, gRPC and metrics servers).
# $1 python of .venv-seldon, $2 client, $3 requests, $4 results, $5 log.
NAMESPACE_SCRIPT = f'''
set -eu
ip link set lo up
"$(dirname "$1")/seldon-core-microservice" \
    serving.seldon_model.FreightSeldonModel --service-type MODEL \
    --http-port {HTTP_PORT} --grpc-port 5001 --metrics-port 6001 \
    > "$5" 2>&1 &
server=$!
status=0
"$1" "$2" http://127.0.0.1:{HTTP_PORT} "$3" "$4" || status=$?
kill -TERM "$server" || true
sleep 2
exit "$status"
'''


def find_python312():
    candidates = [
        os.environ.get("SELDON_PYTHON"),
        shutil.which("python3.12"),
        *sorted(glob.glob(os.path.expanduser(
            "~/.pyenv/versions/3.12*/bin/python3.12"
        ))),
    ]
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "--version"], capture_output=True, text=True
        )
        if probe.returncode == 0 and probe.stdout.startswith("Python 3.12"):
            return candidate
    pytest.fail(
        "no Python 3.12 found for seldon-core 1.19.0: install python3.12 "
        "or set SELDON_PYTHON to its path"
    )


@pytest.fixture(scope="module")
def seldon_python():
    """Build .venv-seldon from requirements-seldon.txt unless current."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    python = VENV / "bin" / "python"
    if STAMP.is_file() and STAMP.read_text() == digest and python.exists():
        return python
    subprocess.run(
        [find_python312(), "-m", "venv", "--clear", str(VENV)], check=True
    )
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)],
        capture_output=True,
        text=True,
        timeout=INSTALL_SECONDS,
    )
    if install.returncode != 0:
        pytest.fail(
            f"pip install -r {REQUIREMENTS.name} failed:\n"
            + install.stdout[-2000:] + install.stderr[-4000:]
        )
    STAMP.write_text(digest)
    return python


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("seldon") / "freight_model"
    train_small_model(directory, rows=1500)
    return directory


def good_records():
    raw = raw_lines(2600).iloc[2000:]
    raw = raw[raw["Line Item Value"].astype(float) > 0]
    records = raw.to_dict(orient="records")
    records.append(
        {
            "country": "Atlantis",
            "shipment_mode": "Truck",
            "scheduled_delivery_date": "2012-03-01",
            "line_item_quantity": 5,
            "line_item_value": 400,
        }
    )
    return records


def pyfunc_predictions(model_dir, records, tmp_path):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    with mlflow.start_run():
        info = log_freight_pyfunc(model_dir, "test-1")
    pyfunc = mlflow.pyfunc.load_model(info.model_uri)
    return pyfunc.predict(pd.DataFrame(records))


def serve_and_query(seldon_python, model_dir, requests, tmp_path):
    if os.geteuid() != 0:
        pytest.fail("unshare -n needs root to give the server its network")
    client = tmp_path / "client.py"
    client.write_text(CLIENT)
    requests_file = tmp_path / "requests.json"
    requests_file.write_text(json.dumps(requests))
    results_file = tmp_path / "results.json"
    server_log = tmp_path / "server.log"
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        FREIGHT_MODEL_DIR=str(model_dir),
        FREIGHT_MODEL_VERSION="test-1",
    )
    run = subprocess.run(
        [
            "unshare", "--net", "--pid", "--fork", "--mount-proc",
            "sh", "-c", NAMESPACE_SCRIPT, "seldon-test",
            str(seldon_python), str(client), str(requests_file),
            str(results_file), str(server_log),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=SERVE_SECONDS,
    )
    assert run.returncode == 0, (
        run.stdout[-2000:] + run.stderr[-2000:]
        + server_log.read_text()[-3000:]
    )
    return json.loads(results_file.read_text())


def test_seldon_matches_mlflow_pyfunc(seldon_python, model_dir, tmp_path):
    records = good_records()
    bad_record = dict(records[0], **{"Weight (Kilograms)": -5})
    requests = {
        "good": json.dumps({"jsonData": {"records": records}}),
        "bad record": json.dumps({"jsonData": {"records": [bad_record]}}),
        "empty": json.dumps({"jsonData": {"records": []}}),
        "ndarray": json.dumps({"data": {"ndarray": [[1, 2]]}}),
        "good again": json.dumps({"jsonData": {"records": records[:3]}}),
    }
    expected = pyfunc_predictions(model_dir, records, tmp_path)

    results = serve_and_query(seldon_python, model_dir, requests, tmp_path)

    status, body = results["good"]
    assert status == 200, body
    predictions = json.loads(body)["jsonData"]["predictions"]
    assert len(predictions) == len(records)
    assert predictions == expected
    assert any(
        "country 'Atlantis'" in w for w in predictions[-1]["warnings"]
    )

    status, body = results["bad record"]
    assert status == 400, body
    info = json.loads(body)["status"]["info"]
    assert "'Weight (Kilograms)' = -5" in info
    assert "greater than 0" in info

    status, body = results["empty"]
    assert status == 400, body
    assert "at least one" in body

    status, body = results["ndarray"]
    assert status == 400, body
    assert "records" in body

    status, body = results["good again"]
    assert status == 200, body
