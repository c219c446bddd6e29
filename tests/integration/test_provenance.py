"""Follow a prediction's model version back to the data it was trained on."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from tests.conftest import DATA_FILE, REPO_ROOT, make_raw
from tests.integration.quick_training import train, write_quick_config


def sha256_of(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_provenance(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m utils.provenance ARGS` as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "utils.provenance", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def quick_config(tmp_path_factory):
    return write_quick_config(tmp_path_factory.mktemp("provenance"))


@pytest.fixture(scope="module")
def trained(quick_config):
    return train(quick_config, "--no-cache")


@pytest.fixture(scope="module")
def predicted_version(trained):
    """Predict as the endpoint does and return the prediction's version."""
    from zenml.client import Client

    from freight.serving import predict_records
    from utils.provenance import parse_version_label

    label, _ = trained
    name, number = parse_version_label(label)
    model = Client().get_model_version(name, number).get_artifact(
        "freight_model"
    ).load()
    records = make_raw([{}]).to_dict(orient="records")
    predictions = predict_records(model, records, label)
    return predictions[0]["model_version"]


def test_prediction_carries_version(trained, predicted_version):
    label, _ = trained
    assert predicted_version == label
    assert predicted_version.startswith("freight_cost_model:")


def test_chain_reaches_data_hash(trained, predicted_version):
    from utils.provenance import trace

    _, run_name = trained
    record = trace(predicted_version)
    assert record.model_version == predicted_version
    assert record.training_run_name == run_name
    assert record.data_sha256 == sha256_of(DATA_FILE)
    assert record.data_path == str(DATA_FILE.resolve())


def test_chain_reaches_span_and_metrics(trained):
    from zenml.client import Client

    from utils.provenance import trace

    label, run_name = trained
    record = trace(label)
    run = Client().get_pipeline_run(run_name)
    metrics = run.steps["evaluate_freight_model"].outputs[
        "evaluation_metrics"
    ][0].load()
    assert record.test_metrics == metrics["test"]
    assert record.training_data_span
    assert record.training_data_span.count(" to ") == 1
    assert record.training_shipments > 0
    assert record.split_protocol == "group"
    assert record.mlflow_run_id
    assert record.model_artifact_run_id == record.training_run_id


def test_cached_rerun_keeps_data_hash(trained, quick_config):
    from utils.provenance import trace

    from zenml.client import Client
    from zenml.enums import ExecutionStatus

    label, run_name = train(quick_config)
    steps = Client().get_pipeline_run(run_name).steps
    if steps["train_freight_model"].status != ExecutionStatus.CACHED:
        # The cache key covers freight/*.py, so an edit there between
        # the two runs retrains the model.
        pytest.skip("the rerun retrained the model: freight/ changed")
    record = trace(label)
    assert label != trained[0]
    assert record.training_run_name == run_name
    assert record.data_sha256 == sha256_of(DATA_FILE)
    assert record.training_data_span == trace(trained[0]).training_data_span
    # Every step was a cache hit, so an earlier run trained the model.
    assert record.model_artifact_run_id != record.training_run_id


def test_command_prints_json(trained):
    label, run_name = trained
    result = run_provenance(label, "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    # ZenML may log to stdout first, and the record is the last line.
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert record["model_version"] == label
    assert record["training_run_name"] == run_name
    assert record["data_sha256"] == sha256_of(DATA_FILE)


@pytest.mark.parametrize("label", ["freight_cost_model", "x:0", ":3"])
def test_command_rejects_bad_label(label):
    result = run_provenance(label)
    assert result.returncode == 2
    assert "NAME:NUMBER" in result.stderr


def test_command_reports_missing_version(trained):
    result = run_provenance("freight_cost_model:999")
    assert result.returncode == 1
    assert "cannot trace freight_cost_model:999" in result.stderr
