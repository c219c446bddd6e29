"""Load the production model version and its training reference."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from zenml import step
from zenml.client import Client
from zenml.enums import ModelStages
from zenml.logger import get_logger

from freight import features
from freight.model import FreightModel

logger = get_logger(__name__)


def production_version(model_name: str):
    """Return the production model version, or raise with the fix."""
    try:
        return Client().get_model_version(model_name, ModelStages.PRODUCTION)
    except KeyError as error:
        raise RuntimeError(
            f"model {model_name!r} has no production version: run "
            "`python run.py --pipeline training` and then `python run.py "
            "--pipeline deployment` first"
        ) from error


# The production stage moves on every promotion while the step's inputs
# stay the same, so a cached run would return the previous model.
@step(enable_cache=False)
def load_production_model(
    model_name: str,
) -> tuple[
    Annotated[FreightModel, "production_model"],
    Annotated[pd.DataFrame, "reference_features"],
    Annotated[str, "production_label"],
    Annotated[float, "reference_mae"],
]:
    """Load the production model, its training features and test MAE.

    Args:
        model_name: Name of the model in the Model Control Plane.

    Returns:
        The model, the feature frame it was trained on (the drift
        reference), its label `name:number` and its test MAE in USD.
    """
    version = production_version(model_name)
    model = version.get_artifact("freight_model").load()
    train_set = version.get_artifact("train_set").load()
    reference = train_set[list(features.FEATURES)]
    reference_mae = float(version.run_metadata["test_mae"])
    label = f"{model_name}:{version.number}"
    logger.info(
        f"Loaded production model {label} (test MAE {reference_mae:,.0f} "
        f"USD, {len(reference):,} training shipments)"
    )
    return model, reference, label, reference_mae
