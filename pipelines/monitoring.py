"""Monitoring pipeline: the drift and error gate on a new batch."""

from __future__ import annotations

from typing import Any

from zenml import pipeline

from pipelines.batch_scoring import score_batch
from steps.inference.load_production_model import load_production_model
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
    batch, followed by the deployment pipeline. run.py starts both when
    the decision is to retrain.
    """
    drift_result, metrics, reference_mae = score_batch(
        batch_path, batch_sha256, model_name, cleaning, drift, gate
    )
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
