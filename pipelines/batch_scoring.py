"""The steps that batch inference and monitoring share."""

from __future__ import annotations

from typing import Any

from steps.etl.clean_shipments import clean_shipments
from steps.etl.ingest_shipments import ingest_shipments
from steps.inference.evaluate_batch import evaluate_batch
from steps.inference.load_production_model import load_production_model
from steps.inference.predict_batch import predict_batch
from steps.monitoring.check_batch_drift import check_batch_drift


def score_batch(
    batch_path: str,
    batch_sha256: str,
    model_name: str,
    cleaning: dict[str, Any],
    drift: dict[str, Any],
    gate: dict[str, Any],
):
    """Ingest and clean a batch, check drift, predict and measure error.

    Called inside a pipeline function, so it adds steps to that pipeline.
    Ingest runs first, so a malformed batch fails before anything else.

    Returns:
        The step outputs of the drift result, the batch metrics and the
        production model's test MAE.
    """
    raw = ingest_shipments(
        data_path=batch_path, data_sha256=batch_sha256, require_label=False
    )
    model, reference, label, reference_mae = load_production_model(
        model_name
    )
    shipments = clean_shipments(
        raw,
        min_freight_usd=cleaning["min_freight_usd"],
        max_cost_per_kg=cleaning["max_cost_per_kg"],
        require_labels=False,
    )
    drift_result, _, _, _ = check_batch_drift(
        reference, shipments, drift, gate["drift_share"]
    )
    predictions, _ = predict_batch(model, shipments, label)
    metrics = evaluate_batch(predictions)
    return drift_result, metrics, reference_mae
