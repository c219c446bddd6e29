"""Deployment pipeline: promote if better, then serve production."""

from __future__ import annotations

from typing import Any

from zenml import pipeline

from steps.deployment.deploy_production_model import deploy_production_model
from steps.promotion.promote_if_better import promote_if_better


@pipeline
def deployment_pipeline(
    promotion: dict[str, Any], deployment: dict[str, Any]
) -> None:
    """Promote the newest model version if it wins, then deploy."""
    production = promote_if_better(
        metric=promotion["metric"],
        min_relative_improvement=promotion["min_relative_improvement"],
    )
    deploy_production_model(
        production,
        timeout_s=deployment["timeout_s"],
        seldon=deployment.get("seldon"),
    )
