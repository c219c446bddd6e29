"""Compare the newest model version with production and promote it."""

from __future__ import annotations

from typing import Annotated

from zenml import get_step_context, log_metadata, step
from zenml.client import Client
from zenml.enums import ModelStages
from zenml.logger import get_logger

from freight import features
from freight.metrics import regression_metrics
from freight.promotion import decide_promotion

logger = get_logger(__name__)


def _load(model_version, name: str):
    artifact = model_version.get_artifact(name)
    if artifact is None:
        raise RuntimeError(
            f"model version {model_version.model.name} "
            f"v{model_version.number} has no '{name}' artifact: it was not "
            "produced by a finished training run. Run `python run.py "
            "--pipeline training` first."
        )
    return artifact.load()


def _score(model_version, test_set, metric: str) -> float:
    model = _load(model_version, "freight_model")
    prediction = model.predict(test_set[list(features.FEATURES)])
    metrics = regression_metrics(
        test_set[features.TARGET].to_numpy(float),
        prediction["predicted"].to_numpy(),
    )
    return float(metrics[metric])


@step
def promote_if_better(
    metric: str, min_relative_improvement: float
) -> Annotated[int, "production_version"]:
    """Promote the newest version if it beats production on its test set.

    Both versions are scored on the newest version's held-out shipments
    with the same metric. The stage changes only as the last action, so a
    failure before it leaves production as it was.

    Args:
        metric: `mae`, `rmse` or `r2`.
        min_relative_improvement: Required gain as a share of the
            production score.

    Returns:
        The number of the production version after the decision.
    """
    client = Client()
    model = get_step_context().model
    candidate = client.get_model_version(model.name, model.model_version_id)
    try:
        production = client.get_model_version(
            candidate.model.name, ModelStages.PRODUCTION
        )
    except KeyError:
        production = None

    # NOTE: both versions are scored on the candidate's test shipments.
    # When they were trained on different data, some of these shipments
    # may be in production's training set, so the comparison is fair only
    # for versions trained on the same file.
    test_set = _load(candidate, "test_set")
    candidate_score = _score(candidate, test_set, metric)
    production_score = None
    if production is not None and production.id != candidate.id:
        production_score = _score(production, test_set, metric)
    if production is not None and production.id == candidate.id:
        logger.info(
            f"Version {candidate.number} is already in production; "
            "nothing to promote"
        )
        return candidate.number

    decision = decide_promotion(
        metric, candidate_score, production_score, min_relative_improvement
    )
    metadata = {
        "promotion": {
            **decision.as_dict(),
            "candidate_version": candidate.number,
            "production_version": production.number if production else None,
            "test_shipments": len(test_set),
        }
    }
    log_metadata(metadata=metadata, model_version_id=candidate.id)
    log_metadata(metadata=metadata)
    if not decision.promote:
        logger.info(
            f"Not promoting version {candidate.number}: {decision.reason}"
        )
        return production.number

    candidate.set_stage(ModelStages.PRODUCTION, force=True)
    logger.info(
        f"Promoted version {candidate.number} to production: "
        f"{decision.reason}"
    )
    return candidate.number
