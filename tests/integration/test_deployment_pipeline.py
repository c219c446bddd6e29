"""Promote and deploy with the real MLflow model deployer on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from tests.conftest import REPO_ROOT, run_cli

MODEL_NAME = "freight_cost_model"
RECORD = {
    "Shipment Mode": "Air",
    "Country": "Nigeria",
    "Vendor": "SCMS from RDC",
    "Product Group": "ARV",
    "Sub Classification": "Adult",
    "Line Item Value": 25000,
    "Line Item Quantity": 2000,
    "Pack Price": 12.5,
    "Weight (Kilograms)": 350,
    "Scheduled Delivery Date": "15-Mar-15",
}


def _production_number():
    from zenml.client import Client
    from zenml.enums import ModelStages

    return Client().get_model_version(
        MODEL_NAME, ModelStages.PRODUCTION
    ).number


@pytest.fixture(scope="module")
def deployed(trained_run):
    run_cli("--stop")
    result = run_cli("--pipeline", "deployment")
    assert result.returncode == 0, result.stderr[-3000:]
    url = run_cli("--endpoint").stdout.strip().splitlines()[-1]
    yield url
    stopped = run_cli("--stop")
    assert stopped.returncode == 0, stopped.stderr[-2000:]


def test_endpoint_is_loopback(deployed):
    assert deployed.startswith("http://127.0.0.1:")
    assert deployed.endswith("/invocations")


def test_endpoint_predicts_raw_record(deployed):
    response = requests.post(
        deployed, json={"dataframe_records": [RECORD]}, timeout=60
    )
    assert response.status_code == 200, response.text
    prediction = response.json()["predictions"][0]
    assert prediction["freight_usd"] > 0
    assert prediction["freight_p10_usd"] <= prediction["freight_usd"]
    assert prediction["freight_usd"] <= prediction["freight_p90_usd"]
    assert prediction["model_version"] == f"{MODEL_NAME}:{_production_number()}"


def test_bad_request_is_4xx_then_serves(deployed):
    bad = dict(RECORD, **{"Shipment Mode": "Boat"})
    response = requests.post(
        deployed, json={"dataframe_records": [bad]}, timeout=60
    )
    assert response.status_code == 400
    assert "Shipment Mode" in response.text
    good = requests.post(
        deployed, json={"dataframe_records": [RECORD]}, timeout=60
    )
    assert good.status_code == 200


def test_predict_command_reads_csv(deployed, tmp_path):
    import gzip

    lines = gzip.open(
        REPO_ROOT / "data" / "SCMS_Delivery_History_Dataset.csv.gz", "rt",
        encoding="utf-8-sig",
    ).read().splitlines()[:6]
    path = tmp_path / "five.csv"
    path.write_text("\n".join(lines) + "\n")
    result = run_cli("--predict", str(path))
    assert result.returncode == 0, result.stderr[-2000:]
    predictions = [json.loads(line) for line in result.stdout.splitlines()
                   if line.startswith("{")]
    assert len(predictions) == 5
    assert all(p["freight_usd"] > 0 for p in predictions)


def test_worse_model_not_promoted(deployed, tmp_path):
    before = _production_number()
    import yaml

    config = yaml.safe_load(
        (REPO_ROOT / "configs" / "training.yaml").read_text()
    )
    config["parameters"]["model_params"].update(
        iterations=3, quantile_iterations=3
    )
    worse = Path(tmp_path / "worse.yaml")
    worse.write_text(yaml.safe_dump(config))
    trained = run_cli("--pipeline", "training", "--config", str(worse))
    assert trained.returncode == 0, trained.stderr[-3000:]
    result = run_cli("--pipeline", "deployment")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "not promoted" in result.stdout
    assert _production_number() == before
