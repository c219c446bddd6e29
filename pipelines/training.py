"""Training pipeline: from the raw SCMS file to a registered model version."""

from __future__ import annotations

from typing import Any

from zenml import pipeline

from steps.etl.build_shipment_features import build_shipment_features
from steps.etl.clean_shipments import clean_shipments
from steps.etl.ingest_shipments import ingest_shipments
from steps.training.evaluate_freight_model import evaluate_freight_model
from steps.training.register_model_version import register_model_version
from steps.training.split_shipments import split_shipments
from steps.training.train_freight_model import train_freight_model
from utils.caching import DOMAIN_CACHE_POLICY
from utils.hooks import discard_model_version


@pipeline(
    on_failure=discard_model_version, cache_policy=DOMAIN_CACHE_POLICY
)
def training_pipeline(
    data_path: str,
    data_sha256: str,
    split: dict[str, Any],
    cleaning: dict[str, Any],
    model_params: dict[str, Any],
    batch_path: str | None = None,
) -> None:
    """Ingest, clean, build features, split, train, evaluate, register.

    `batch_path` appends a labelled batch to the training data, as
    retraining after a drift alarm does.
    """
    raw = ingest_shipments(
        data_path=data_path, data_sha256=data_sha256, batch_path=batch_path
    )
    shipments = clean_shipments(
        raw,
        min_freight_usd=cleaning["min_freight_usd"],
        max_cost_per_kg=cleaning["max_cost_per_kg"],
    )
    table = build_shipment_features(
        shipments, exclude_implausible=cleaning["exclude_implausible"]
    )
    train_set, test_set = split_shipments(
        table,
        protocol=split["protocol"],
        test_size=split["test_size"],
        seed=split["seed"],
        time_cutoff=split["time_cutoff"],
    )
    model = train_freight_model(train_set, model_params=model_params)
    metrics, _, _, _ = evaluate_freight_model(model, train_set, test_set)
    register_model_version(
        metrics,
        train_set,
        data_sha256=data_sha256,
        split_protocol=split["protocol"],
    )
