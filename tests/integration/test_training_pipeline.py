"""Run the training pipeline as a user would, on the bundled data."""

from __future__ import annotations

import re

import pytest

from tests.conftest import DATA_FILE, run_cli

MODEL_NAME = "freight_cost_model"


def model_versions():
    from zenml.client import Client

    return list(Client().list_model_versions(MODEL_NAME, size=100))


@pytest.fixture(scope="module")
def trained(trained_run):
    return trained_run


def trained_version(result):
    """Return the model version that a training run printed.

    Other test modules register versions of their own in the same store,
    so the newest version is not necessarily the default run's.
    """
    from zenml.client import Client

    match = re.search(r"Model version: freight_cost_model v(\d+)",
                      result.stdout)
    assert match, result.stdout[-2000:]
    return Client().get_model_version(MODEL_NAME, int(match.group(1)))


def test_training_registers_version(trained):
    latest = trained_version(trained)
    metadata = latest.run_metadata
    assert metadata["data_sha256"]
    assert metadata["split_protocol"] == "group"
    assert "training_data_span" in metadata
    from zenml.client import Client

    linked = Client().list_artifact_versions(
        model_version_id=latest.id, size=100
    )
    names = {artifact.artifact.name for artifact in linked}
    for name in ("shipments_clean", "shipment_features", "freight_model",
                 "evaluation_metrics", "model_card"):
        assert name in names


def test_training_metrics_in_range(trained):
    metadata = trained_version(trained).run_metadata
    assert metadata["test_mae"] < 4_500
    assert metadata["test_r2"] > 0.6
    assert 0.9 < metadata["test_sum_ratio"] < 1.1
    assert 0.7 < metadata["test_interval_coverage"] < 0.9
    assert metadata["test_mae"] < metadata["baseline_test_mae"]


@pytest.mark.parametrize(
    "case",
    ["missing_column", "renamed_header", "no_rows", "no_freight", "latin1"],
)
def test_bad_data_changes_nothing(trained, tmp_path, case):
    from zenml.client import Client
    from zenml.enums import ModelStages

    from freight import contract as c

    versions = model_versions()
    production = versions[-1]
    Client().update_model_version(
        MODEL_NAME, production.id, stage=ModelStages.PRODUCTION, force=True
    )

    raw = c.read_raw_csv(DATA_FILE).head(200)
    path = tmp_path / f"{case}.csv"
    expected = {
        "missing_column": "Freight Cost (USD)",
        "renamed_header": "'Ship Mode' looks like 'Shipment Mode'",
        "no_rows": "no line items",
        "no_freight": "no usable number",
        "latin1": "not valid UTF-8",
    }[case]
    if case == "missing_column":
        raw = raw.drop(columns=[c.FREIGHT])
    elif case == "renamed_header":
        raw = raw.rename(columns={c.SHIPMENT_MODE: "Ship Mode"})
    elif case == "no_rows":
        raw = raw.head(0)
    elif case == "no_freight":
        raw[c.FREIGHT] = "Invoiced Separately"
    encoding = "latin-1" if case == "latin1" else "utf-8"
    path.write_bytes(raw.to_csv(index=False).encode(encoding))

    result = run_cli("--pipeline", "training", "--data", str(path))
    assert result.returncode != 0
    assert expected in result.stderr + result.stdout
    after = model_versions()
    assert [v.id for v in after] == [v.id for v in versions]
    current = Client().get_model_version(MODEL_NAME, ModelStages.PRODUCTION)
    assert current.id == production.id
