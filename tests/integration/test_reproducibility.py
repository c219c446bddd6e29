"""Two training runs on the same data and config give the same metrics."""

from __future__ import annotations

import pytest

from tests.integration.quick_training import train, write_quick_config


def evaluation_metrics(run_name: str) -> dict:
    from zenml.client import Client

    run = Client().get_pipeline_run(run_name)
    step = run.steps["evaluate_freight_model"]
    return step.outputs["evaluation_metrics"][0].load()


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    config = write_quick_config(tmp_path_factory.mktemp("reproducibility"))
    first = train(config, "--no-cache")
    second = train(config, "--no-cache")
    return first, second


def test_runs_are_separate(two_runs):
    (first_version, first_run), (second_version, second_run) = two_runs
    assert first_run != second_run
    assert first_version != second_version


def test_test_metrics_identical(two_runs):
    (_, first_run), (_, second_run) = two_runs
    first = evaluation_metrics(first_run)
    second = evaluation_metrics(second_run)
    assert first["test"] == second["test"]
    assert first["baseline_median_by_mode"] == (
        second["baseline_median_by_mode"]
    )


def test_slice_metrics_identical(two_runs):
    (_, first_run), (_, second_run) = two_runs
    first = evaluation_metrics(first_run)
    second = evaluation_metrics(second_run)
    assert first["by_shipment_mode"] == second["by_shipment_mode"]
    assert first["by_product_group"] == second["by_product_group"]


def test_models_predict_identically(two_runs):
    from zenml.client import Client

    from freight import features

    models = []
    for _, run_name in two_runs:
        run = Client().get_pipeline_run(run_name)
        models.append(
            run.steps["train_freight_model"].outputs["freight_model"][0]
            .load()
        )
        test_set = run.steps["split_shipments"].outputs["test_set"][0].load()
    frame = test_set[list(features.FEATURES)]
    first = models[0].predict(frame)
    second = models[1].predict(frame)
    assert first.equals(second)
    assert models[0].sum_correction == models[1].sum_correction
    assert models[0].interval_offset == models[1].interval_offset
