"""Batch inference pipeline: clean, check drift, predict, measure."""

from __future__ import annotations

from typing import Any

from zenml import pipeline

from pipelines.batch_scoring import score_batch
from utils.caching import DOMAIN_CACHE_POLICY


@pipeline(cache_policy=DOMAIN_CACHE_POLICY)
def inference_pipeline(
    batch_path: str,
    batch_sha256: str,
    model_name: str,
    cleaning: dict[str, Any],
    drift: dict[str, Any],
    gate: dict[str, Any],
) -> None:
    """Predict a batch with the production model and check it for drift."""
    score_batch(batch_path, batch_sha256, model_name, cleaning, drift, gate)
