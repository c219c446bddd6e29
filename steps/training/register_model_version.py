"""Complete the model version: summary metadata and a model card."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from zenml import get_step_context, log_metadata, step
from zenml.logger import get_logger
from zenml.types import MarkdownString

logger = get_logger(__name__)


@step
def register_model_version(
    evaluation_metrics: dict[str, Any],
    train_set: pd.DataFrame,
    data_sha256: str,
    split_protocol: str,
) -> Annotated[MarkdownString, "model_card"]:
    """Attach the data hash and a model card to this run's model version.

    The pipeline's artifacts (cleaned data, features, model, metrics) are
    linked to the model version by ZenML because the pipeline runs with a
    `model` configuration.

    Returns:
        The model card as Markdown.
    """
    model = get_step_context().model
    test = evaluation_metrics["test"]
    first = str(train_set["scheduled_date"].min().date())
    last = str(train_set["scheduled_date"].max().date())
    log_metadata(
        metadata={
            "data_sha256": data_sha256,
            "split_protocol": split_protocol,
            "training_data_span": f"{first} to {last}",
            "training_shipments": len(train_set),
        },
        infer_model=True,
    )
    coverage = test["interval_coverage"]
    card = MarkdownString(
        f"# {model.name} version {model.version}\n\n"
        f"## Purpose\n{model.description}\n\n"
        f"## Intended use\n{model.use_cases}\n\n"
        f"## Limits\n{model.limitations}\n\n"
        "## Training data\n"
        f"{len(train_set):,} shipments scheduled from {first} to {last}, "
        f"SCMS delivery history (sha256 `{data_sha256}`), split "
        f"`{split_protocol}`.\n\n"
        "## Test metrics (USD)\n"
        f"| MAE | RMSE | R² | median APE | Σpred/Σactual | P10-P90 |\n"
        f"|---|---|---|---|---|---|\n"
        f"| {test['mae']:,.0f} | {test['rmse']:,.0f} | {test['r2']:.3f} "
        f"| {test['median_ape']:.3f} | {test['sum_ratio']:.3f} "
        f"| {coverage:.3f} |\n"
    )
    logger.info(
        f"Registered model version {model.name} v{model.version}: "
        f"test MAE {test['mae']:,.0f} USD, R² {test['r2']:.3f}"
    )
    return card
