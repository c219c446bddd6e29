"""The retraining gate: drift share and realised error against limits."""

from __future__ import annotations

from typing import Annotated, Any

from zenml import log_metadata, step
from zenml.logger import get_logger

from freight.gate import GateThresholds, decide_retraining as decide

logger = get_logger(__name__)


@step
def decide_retraining(
    drift_result: dict[str, Any],
    batch_metrics: dict[str, Any],
    reference_mae: float,
    gate: dict[str, Any],
) -> Annotated[dict[str, Any], "retraining_decision"]:
    """Decide whether the batch calls for retraining.

    Args:
        drift_result: Output of the drift step.
        batch_metrics: Realised metrics; no MAE for an unlabelled batch,
            which then gets a drift-only decision.
        reference_mae: The production model's test MAE in USD.
        gate: The `gate` section of configs/monitoring.yaml.

    Returns:
        The decision with its reasons, numbers and thresholds.
    """
    decision = decide(
        drift_share=drift_result["drift_share"],
        batch_mae=batch_metrics.get("mae"),
        reference_mae=reference_mae,
        thresholds=GateThresholds(**gate),
    )
    verdict = "retrain" if decision.retrain else "keep the model"
    logger.info(f"Gate decision ({decision.mode}): {verdict}")
    for reason in decision.reasons:
        logger.info(f"  {reason}")
    result = decision.as_dict()
    log_metadata(metadata={"retraining_decision": result})
    return result
