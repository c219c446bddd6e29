"""Fit the CatBoost freight model and track it in MLflow."""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict
from typing import Annotated, Any

import mlflow
import pandas as pd
from zenml import ArtifactConfig, log_metadata, step
from zenml.client import Client
from zenml.enums import ArtifactType
from zenml.logger import get_logger

from freight import features
from freight.model import FreightModel, ModelParams

logger = get_logger(__name__)

# Steps read the tracker from the active stack, so the same code runs on
# every stack; a stack without one trains without tracking.
_tracker = Client().active_stack.experiment_tracker
EXPERIMENT_TRACKER = _tracker.name if _tracker else None


@step(experiment_tracker=EXPERIMENT_TRACKER)
def train_freight_model(
    train_set: pd.DataFrame, model_params: dict[str, Any]
) -> Annotated[
    FreightModel,
    ArtifactConfig(name="freight_model", artifact_type=ArtifactType.MODEL),
]:
    """Fit point and quantile regressors with calibration.

    Args:
        train_set: Training shipments with features and `freight_usd`.
        model_params: Fields of `ModelParams`, from the training config.

    Returns:
        The fitted model.
    """
    params = ModelParams(**model_params)
    started = time.perf_counter()
    model = FreightModel.fit(
        train_set[list(features.FEATURES)],
        train_set[features.TARGET],
        params,
    )
    elapsed = time.perf_counter() - started
    logger.info(
        f"Trained on {len(train_set):,} shipments in {elapsed:.1f} s; "
        f"sum correction {model.sum_correction:.3f}"
    )
    if EXPERIMENT_TRACKER:
        mlflow.log_params(asdict(params))
        mlflow.log_metrics(
            {
                "train_shipments": len(train_set),
                "fit_seconds": elapsed,
                "sum_correction": model.sum_correction,
            }
        )
        with tempfile.TemporaryDirectory() as directory:
            model.save(directory)
            mlflow.log_artifacts(directory, artifact_path="freight_model")
    log_metadata(
        metadata={"fit_seconds": elapsed, "params": asdict(params)},
        infer_model=True,
    )
    return model
