"""Replay pipeline: compare retraining policies over 2010-2015."""

from __future__ import annotations

from typing import Any

from zenml import pipeline

from steps.etl.clean_shipments import clean_shipments
from steps.etl.ingest_shipments import ingest_shipments
from steps.monitoring.replay_timeline import replay_timeline
from utils.caching import DOMAIN_CACHE_POLICY


@pipeline(cache_policy=DOMAIN_CACHE_POLICY)
def replay_pipeline(
    data_path: str,
    data_sha256: str,
    cleaning: dict[str, Any],
    config_path: str,
) -> None:
    """Ingest and clean the file, then replay its timeline."""
    raw = ingest_shipments(data_path=data_path, data_sha256=data_sha256)
    shipments = clean_shipments(
        raw,
        min_freight_usd=cleaning["min_freight_usd"],
        max_cost_per_kg=cleaning["max_cost_per_kg"],
    )
    replay_timeline(shipments, config_path=config_path)
