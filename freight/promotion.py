"""The rule that decides whether a new model version replaces production."""

from __future__ import annotations

from dataclasses import asdict, dataclass

LOWER_IS_BETTER = {"mae": True, "rmse": True, "r2": False}


@dataclass
class PromotionDecision:
    """Scores of both versions on the same shipments, and the verdict."""

    promote: bool
    reason: str
    metric: str
    candidate_score: float
    production_score: float | None
    min_relative_improvement: float

    def as_dict(self) -> dict:
        return asdict(self)


def decide_promotion(
    metric: str,
    candidate_score: float,
    production_score: float | None,
    min_relative_improvement: float,
) -> PromotionDecision:
    """Promote when there is no production model or the candidate wins.

    The candidate must beat production by `min_relative_improvement`
    (a share of the production score), so a tie or a worse model never
    replaces production.

    Raises:
        ValueError: on an unknown metric.
    """
    if metric not in LOWER_IS_BETTER:
        raise ValueError(
            f"unknown promotion metric {metric!r}: use one of "
            f"{sorted(LOWER_IS_BETTER)}"
        )
    decision = dict(
        metric=metric,
        candidate_score=candidate_score,
        production_score=production_score,
        min_relative_improvement=min_relative_improvement,
    )
    if production_score is None:
        return PromotionDecision(
            promote=True, reason="no production version yet", **decision
        )
    margin = abs(production_score) * min_relative_improvement
    if LOWER_IS_BETTER[metric]:
        better = candidate_score < production_score - margin
    else:
        better = candidate_score > production_score + margin
    direction = "beats" if better else "does not beat"
    reason = (
        f"candidate {metric} {candidate_score:,.4g} {direction} production "
        f"{production_score:,.4g} by the required "
        f"{min_relative_improvement:.1%}"
    )
    return PromotionDecision(promote=better, reason=reason, **decision)
