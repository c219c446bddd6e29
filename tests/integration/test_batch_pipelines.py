"""Batch inference, the drift gate and the replay, run as a user would."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from freight import contract as c
from tests.conftest import REPO_ROOT, run_cli, write_batch

MODEL_NAME = "freight_cost_model"


def _versions():
    from zenml.client import Client

    return [v.number for v in Client().list_model_versions(MODEL_NAME)]


def _production():
    from zenml.client import Client
    from zenml.enums import ModelStages

    return Client().get_model_version(MODEL_NAME, ModelStages.PRODUCTION)


def _latest_run(pipeline: str):
    from zenml.client import Client

    return Client().get_pipeline(pipeline).last_run


def _scheduled_year(raw: pd.DataFrame) -> pd.Series:
    return c.parse_dates(raw[c.SCHEDULED_DATE]).dt.year


def _renumbered(raw: pd.DataFrame, offset: int) -> pd.DataFrame:
    """Give line items and shipments new IDs, as a new delivery file has."""
    raw = raw.copy()
    raw[c.ID] = (raw[c.ID].astype(int) + offset).astype(str)
    raw[c.SHIPMENT] = raw[c.SHIPMENT] + f"-N{offset}"
    for column in (c.FREIGHT, c.WEIGHT):
        refs = raw[column].str.extract(c.REFERENCE_PATTERN)
        is_ref = refs["line_id"].notna()
        raw.loc[is_ref, column] = (
            "See " + refs.loc[is_ref, "shipment"] + f"-N{offset} (ID#:"
            + (refs.loc[is_ref, "line_id"].astype(int) + offset).astype(str)
            + ")"
        )
    return raw


def test_inference_on_2015_shipments(raw_frame, production_version,
                                     tmp_path):
    batch = raw_frame[_scheduled_year(raw_frame) == 2015]
    path = write_batch(tmp_path / "shipments_2015.csv", batch)
    result = run_cli("--pipeline", "inference", "--batch", path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Realised MAE" in result.stdout

    run = _latest_run("inference_pipeline")
    step = run.steps["predict_batch"]
    predictions = step.outputs["batch_predictions"][0]
    rejected = step.outputs["unpredictable_shipments"][0].load()
    table = predictions.load()
    shipments = batch[c.SHIPMENT].nunique()
    assert len(table) + len(rejected) == shipments
    assert (rejected["reason"] != "").all()
    assert table["freight_usd_predicted"].gt(0).all()
    assert (table["model_version"] == f"{MODEL_NAME}:"
            f"{production_version}").all()
    flagged = table[table["unseen_categories"] != ""]
    assert len(flagged) > 0, "2015 brings vendors unseen before"
    from zenml.client import Client

    linked = Client().list_artifact_versions(
        model_version_id=_production().id, size=100
    )
    assert "batch_predictions" in {a.artifact.name for a in linked}


def test_unlabelled_batch_checks_drift_only(raw_frame, production_version,
                                            tmp_path):
    batch = raw_frame[_scheduled_year(raw_frame) == 2015].drop(
        columns=[c.FREIGHT]
    )
    path = write_batch(tmp_path / "unlabelled.csv", batch)
    result = run_cli("--pipeline", "monitoring", "--batch", path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "no freight labels" in result.stdout
    decision = _latest_run("monitoring_pipeline").steps[
        "decide_retraining"
    ].outputs["retraining_decision"][0].load()
    assert decision["mode"] == "drift_only"
    assert decision["batch_mae"] is None


@pytest.mark.parametrize("case", ["missing_column", "no_rows"])
def test_bad_batch_fails_first(raw_frame, production_version, tmp_path,
                               case):
    from zenml.client import Client

    batch = raw_frame.head(50)
    if case == "missing_column":
        batch = batch.drop(columns=[c.COUNTRY])
        expected = "'Country'"
    else:
        batch = batch.head(0)
        expected = "no line items"
    before = _production().id
    predictions_before = len(
        Client().list_artifact_versions(artifact="batch_predictions")
    )
    path = write_batch(tmp_path / f"{case}.csv", batch)
    result = run_cli("--pipeline", "inference", "--batch", path)
    assert result.returncode != 0
    assert expected in result.stdout + result.stderr
    assert "ingest_shipments" in result.stdout + result.stderr
    predictions_after = len(
        Client().list_artifact_versions(artifact="batch_predictions")
    )
    assert predictions_after == predictions_before
    assert _production().id == before


def test_unshifted_batch_keeps_model(raw_frame, production_version,
                                     tmp_path):
    years = _scheduled_year(raw_frame)
    training_period = raw_frame[(years >= 2012) & (years <= 2013)]
    shipments = training_period[c.SHIPMENT].drop_duplicates().sample(
        300, random_state=7
    )
    batch = training_period[training_period[c.SHIPMENT].isin(shipments)]
    path = write_batch(tmp_path / "unshifted.csv", batch)
    versions = _versions()
    result = run_cli("--pipeline", "monitoring", "--batch", path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "keep the production model" in result.stdout
    assert _versions() == versions
    rejected = _latest_run("monitoring_pipeline").steps[
        "predict_batch"
    ].outputs["unpredictable_shipments"][0].load()
    assert rejected["shipment_id"].notna().all()
    assert (rejected["reason"] != "").all()


def test_shifted_batch_retrains(raw_frame, production_version, tmp_path):
    years = _scheduled_year(raw_frame)
    batch = _renumbered(raw_frame[years == 2015], offset=1_000_000)
    batch[c.SHIPMENT_MODE] = "Air Charter"
    weights = pd.to_numeric(batch[c.WEIGHT], errors="coerce")
    batch.loc[weights.notna(), c.WEIGHT] = (
        weights[weights.notna()] * 10
    ).astype(str)
    path = write_batch(tmp_path / "shifted.csv", batch)

    production = _production()
    versions = _versions()
    result = run_cli("--pipeline", "monitoring", "--batch", path,
                     timeout=1800)
    run_cli("--stop")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Gate fired" in result.stdout

    decision = _latest_run("monitoring_pipeline").steps[
        "decide_retraining"
    ].outputs["retraining_decision"][0].load()
    assert decision["retrain"]
    assert decision["mode"] == "drift_and_error"
    # Air Charter and tenfold weights raise the realised error far above
    # the limit, whatever the drift share of the other columns.
    assert decision["error_fired"]
    assert decision["error_increase"] > decision["thresholds"][
        "error_increase"
    ]

    new_versions = _versions()
    assert len(new_versions) == len(versions) + 1
    from zenml.client import Client

    newest = Client().get_model_version(MODEL_NAME, max(new_versions))
    assert newest.run_metadata["test_mae"] > 0
    assert newest.run_metadata["training_shipments"] > int(
        production.run_metadata["training_shipments"]
    )
    promotion = newest.run_metadata["promotion"]
    after = _production()
    if promotion["promote"]:
        assert after.id == newest.id
        assert promotion["candidate_score"] < promotion["production_score"]
    else:
        assert after.id == production.id


def test_short_replay(tmp_path, trained_run):
    config = yaml.safe_load(
        (REPO_ROOT / "configs" / "monitoring.yaml").read_text()
    )
    config["replay"].update(
        start="2014-01-01", end="2014-06-30", batch_months=3,
        sweep_drift_share=[], sweep_error_increase=[],
        model_params={"iterations": 60, "quantile_iterations": 60},
    )
    path = tmp_path / "monitoring.yaml"
    path.write_text(yaml.safe_dump(config))
    results = REPO_ROOT / "benchmarks" / "results" / "replay.json"
    chart = REPO_ROOT / "docs" / "replay.png"
    saved = {p: p.read_bytes() for p in (results, chart) if p.exists()}
    try:
        result = run_cli("--pipeline", "replay", "--config", str(path))
        assert result.returncode == 0, result.stderr[-3000:]
        summary = json.loads(results.read_text())
        assert summary["batches"] == 2
        for policy in ("never", "always", "gated"):
            assert summary["policies"][policy]["mae"] > 0
        assert summary["policies"]["always"]["retrains"] >= 1
        assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        for p, content in saved.items():
            p.write_bytes(content)


def test_known_batch_not_retrained(raw_frame, production_version,
                                   tmp_path):
    batch = raw_frame[_scheduled_year(raw_frame) == 2015]
    path = write_batch(tmp_path / "known_2015.csv", batch)
    versions = _versions()
    result = run_cli("--pipeline", "monitoring", "--batch", path)
    assert result.returncode == 0, result.stderr[-3000:]
    decision = _latest_run("monitoring_pipeline").steps[
        "decide_retraining"
    ].outputs["retraining_decision"][0].load()
    if decision["retrain"]:
        assert "so it is skipped" in result.stdout
    assert _versions() == versions
