"""The retraining gate: decide from drift and error whether to retrain.

The gate fires when the share of drifted feature columns exceeds its
threshold, or when the batch MAE exceeds the model's training-time MAE by
more than the relative error threshold. A batch without labels has no MAE,
so its decision rests on drift alone, and its mode and reasons record
that. The function is pure: the caller measures drift and error, and logs
or stores the decision.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

DRIFT_AND_ERROR = "drift_and_error"
DRIFT_ONLY = "drift_only"


@dataclass(frozen=True)
class GateThresholds:
    """Limits above which the gate requests retraining.

    Attributes:
        drift_share: Share of drifted feature columns (0 to 1) above which
            the batch counts as drifted.
        error_increase: Relative increase of the batch MAE over the
            training-time MAE above which the error rule fires; 0.25 means
            a batch MAE more than 25% above the training-time MAE.
    """

    drift_share: float = 0.5
    error_increase: float = 0.25

    def __post_init__(self) -> None:
        if not 0.0 <= self.drift_share <= 1.0:
            raise ValueError(
                f"drift_share threshold {self.drift_share} is invalid: use "
                "a share between 0 and 1."
            )
        if not self.error_increase >= 0.0:
            raise ValueError(
                f"error_increase threshold {self.error_increase} is "
                "invalid: use a relative increase of 0 or more."
            )


@dataclass(frozen=True)
class GateDecision:
    """Outcome of the gate with the numbers and thresholds behind it.

    Attributes:
        retrain: Whether the gate requests retraining.
        mode: `drift_and_error` when both rules were evaluated, or
            `drift_only` when the batch had no MAE or the model no
            training-time MAE.
        reasons: One sentence per rule, saying whether it fired and why.
        drift_share: Measured share of drifted columns.
        batch_mae: MAE of the batch in USD, or None without labels.
        reference_mae: Training-time MAE of the model in USD, or None.
        error_increase: batch_mae / reference_mae - 1, or None.
        drift_fired: Whether the drift rule fired.
        error_fired: Whether the error rule fired; False in drift-only mode.
        thresholds: The thresholds the decision used.
    """

    retrain: bool
    mode: str
    reasons: tuple[str, ...]
    drift_share: float
    batch_mae: float | None
    reference_mae: float | None
    error_increase: float | None
    drift_fired: bool
    error_fired: bool
    thresholds: GateThresholds = field(default_factory=GateThresholds)

    def as_dict(self) -> dict:
        """Return the decision as plain JSON-serialisable values."""
        values = asdict(self)
        values["reasons"] = list(self.reasons)
        return values


def _check_mae(name: str, value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise ValueError(
            f"{name} {value} is invalid: pass a finite MAE of 0 or more, "
            "or None when it is unknown."
        )


def decide_retraining(
    drift_share: float,
    batch_mae: float | None,
    reference_mae: float | None,
    thresholds: GateThresholds | None = None,
) -> GateDecision:
    """Decide whether a batch calls for retraining.

    Args:
        drift_share: Share of drifted feature columns in the batch, 0 to 1.
        batch_mae: MAE of the model on the batch in USD, or None when the
            batch has no labels.
        reference_mae: The model's training-time MAE in USD (its test or
            validation MAE), or None when it was not recorded.
        thresholds: Drift share and relative error limits; the defaults of
            `GateThresholds` when None.

    Returns:
        The decision. Retraining is requested when the drift share exceeds
        its threshold or, with both MAEs known, when the batch MAE exceeds
        the training-time MAE by more than the error threshold.

    Raises:
        ValueError: if the drift share is outside 0 to 1, an MAE is
            negative or not finite, or the training-time MAE is 0.
    """
    thresholds = thresholds or GateThresholds()
    if not 0.0 <= drift_share <= 1.0:
        raise ValueError(
            f"drift share {drift_share} is invalid: expected a share of "
            "drifted columns between 0 and 1."
        )
    _check_mae("batch MAE", batch_mae)
    _check_mae("training-time MAE", reference_mae)
    if reference_mae == 0:
        raise ValueError(
            "training-time MAE is 0, so a relative error increase is "
            "undefined: pass the model's test MAE or None."
        )

    drift_fired = drift_share > thresholds.drift_share
    relation = "above" if drift_fired else "at or below"
    reasons = [
        f"drift share {drift_share:.2f} is {relation} the threshold "
        f"{thresholds.drift_share:.2f}"
    ]

    error_increase = None
    error_fired = False
    if batch_mae is None:
        mode = DRIFT_ONLY
        reasons.append("batch has no labels, so the decision uses drift only")
    elif reference_mae is None:
        mode = DRIFT_ONLY
        reasons.append(
            "model has no training-time MAE, so the decision uses drift only"
        )
    else:
        mode = DRIFT_AND_ERROR
        error_increase = batch_mae / reference_mae - 1.0
        error_fired = error_increase > thresholds.error_increase
        relation = "above" if error_fired else "at or below"
        reasons.append(
            f"batch MAE {batch_mae:,.0f} USD is {error_increase:+.0%} "
            f"against the training-time MAE {reference_mae:,.0f} USD, "
            f"{relation} the limit of +{thresholds.error_increase:.0%}"
        )

    return GateDecision(
        retrain=drift_fired or error_fired,
        mode=mode,
        reasons=tuple(reasons),
        drift_share=float(drift_share),
        batch_mae=None if batch_mae is None else float(batch_mae),
        reference_mae=None if reference_mae is None else float(reference_mae),
        error_increase=error_increase,
        drift_fired=drift_fired,
        error_fired=error_fired,
        thresholds=thresholds,
    )
