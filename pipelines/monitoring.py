"""Monitoring pipeline: the drift and error gate on a new batch."""

from __future__ import annotations

from typing import Any

from zenml import pipeline

from steps.etl.clean_shipments import clean_shipments
from steps.etl.ingest_shipments import ingest_shipments
from steps.inference.evaluate_batch import evaluate_batch
from steps.inference.load_production_model import load_production_model
from steps.inference.predict_batch import predict_batch
from steps.monitoring.check_batch_drift import check_batch_drift
from steps.monitoring.decide_retraining import decide_retraining
from steps.monitoring.summarize_endpoint_traffic import (
    summarize_endpoint_traffic,
)
from utils.caching import DOMAIN_CACHE_POLICY


@pipeline(enable_cache=False, cache_policy=DOMAIN_CACHE_POLICY)
def monitoring_pipeline(
    batch_path: str,
    batch_sha256: str,
    model_name: str,
    cleaning: dict[str, Any],
    drift: dict[str, Any],
    gate: dict[str, Any],
) -> None:
    """Check a batch for drift and error, then decide on retraining.

    Retraining itself is a training run on the training data plus this
    batch, followed by the deployment pipeline; run.py starts both when
    the decision says so.
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
    decide_retraining(drift_result, metrics, reference_mae, gate)


@pipeline(enable_cache=False)
def endpoint_monitoring_pipeline(
    model_name: str,
    log_path: str,
    window_hours: float,
    drift: dict[str, Any],
    gate: dict[str, Any],
) -> None:
    """Summarise served requests: latency, errors and input drift."""
    _, reference, _, _ = load_production_model(model_name)
    summarize_endpoint_traffic(
        reference, log_path, window_hours, drift, gate["drift_share"]
    )
