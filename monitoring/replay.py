"""Replay the data's own timeline to compare retraining policies.

The timeline is cut into batches of N months. The first model trains on
every labelled shipment scheduled before the first batch. Each batch is
predicted, scored against its actual freight, and then one of three
policies decides which model serves the next batch:

- never: the first model serves every batch;
- always: after every batch, retrain on all labelled shipments so far;
- gated: retrain when `freight.gate.decide_retraining` fires on the
  batch's drift against the serving model's reference and its MAE against
  the model's training-time MAE.

Every model is defined by its cutoff date (it trains on shipments
scheduled before it), so a model is fitted once and shared by the
policies that use it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from freight.features import build_features
from freight.gate import GateDecision, GateThresholds, decide_retraining
from freight.model import FreightModel, ModelParams
from monitoring.drift import DriftSettings, check_drift

logger = logging.getLogger(__name__)

NEVER = "never"
ALWAYS = "always"
GATED = "gated"
POLICIES = (NEVER, ALWAYS, GATED)


@dataclass(frozen=True)
class ReplaySettings:
    """Timeline, model, drift and gate settings of a replay.

    Attributes:
        start: First day of the first batch.
        end: Last day of the last batch, inclusive.
        batch_months: Length of one batch in months.
        reference_months: Months of training shipments before a model's
            cutoff that form its drift reference. None uses all of its
            training shipments.
        max_batches: Stop after this many batches; all when None.
        model_params: CatBoost and calibration settings of every fit.
        drift: Columns, stattests and thresholds of the drift check.
        gate: Thresholds of the gated policy.
    """

    start: str = "2010-01-01"
    end: str = "2015-12-31"
    batch_months: int = 3
    reference_months: int | None = 12
    max_batches: int | None = None
    model_params: ModelParams = field(default_factory=ModelParams)
    drift: DriftSettings = field(default_factory=DriftSettings)
    gate: GateThresholds = field(default_factory=GateThresholds)


@dataclass(frozen=True)
class Batch:
    """Labelled shipments scheduled in [start, end)."""

    start: pd.Timestamp
    end: pd.Timestamp
    rows: np.ndarray

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m}"


@dataclass
class PolicyResult:
    """Errors and retraining points of one policy over the timeline.

    Attributes:
        name: Policy name.
        mae: MAE in USD over every shipment of every batch, pooled.
        retrains: Models trained after the first one.
        batch_mae: MAE in USD per batch.
        retrained_after: Whether the policy retrained after each batch.
        decisions: The gate's decision per batch (gated policy only).
    """

    name: str
    mae: float
    retrains: int
    batch_mae: list[float]
    retrained_after: list[bool]
    decisions: list[GateDecision | None] = field(default_factory=list)


@dataclass
class ReplayResult:
    """Batches, policy results and cost of a replay.

    Attributes:
        batches: The replayed batches.
        policies: Result per policy name.
        elapsed_s: Wall time of the replay in seconds.
        fits: Models fitted, the first one and backtests included.
        settings: The settings of the replay.
        replay: The fitted models and drift results, for a threshold sweep.
    """

    batches: list[Batch]
    policies: dict[str, PolicyResult]
    elapsed_s: float
    fits: int
    settings: ReplaySettings
    replay: TimelineReplay | None = field(default=None, repr=False)

    def as_dict(self) -> dict:
        """Return the benchmark record as JSON-serialisable values."""
        gated = self.policies.get(GATED)
        return {
            "batches": len(self.batches),
            "elapsed_s": round(self.elapsed_s, 1),
            "fits": self.fits,
            "start": self.settings.start,
            "end": self.settings.end,
            "batch_months": self.settings.batch_months,
            "reference_months": self.settings.reference_months,
            "gate": {
                "drift_share": self.settings.gate.drift_share,
                "error_increase": self.settings.gate.error_increase,
            },
            "policies": {
                name: {
                    "mae": round(policy.mae, 1),
                    "retrains": policy.retrains,
                }
                for name, policy in self.policies.items()
            },
            "per_batch": self.table().to_dict(orient="records"),
            "gate_decisions": [
                decision.as_dict() if decision else None
                for decision in (gated.decisions if gated else [])
            ],
        }

    def table(self) -> pd.DataFrame:
        """Return one row per batch: size, MAE per policy, retraining."""
        rows = []
        for index, batch in enumerate(self.batches):
            row = {"batch": batch.label, "shipments": len(batch.rows)}
            for name, policy in self.policies.items():
                row[f"mae_{name}"] = round(policy.batch_mae[index], 1)
            gated = self.policies.get(GATED)
            if gated is not None:
                decision = gated.decisions[index]
                row["drift_share"] = (
                    round(decision.drift_share, 3) if decision else None
                )
                row["retrain_gated"] = gated.retrained_after[index]
            rows.append(row)
        return pd.DataFrame(rows)


def make_batches(
    scheduled: pd.Series, start: str, end: str, months: int
) -> list[Batch]:
    """Cut [start, end] into batches of `months` months of row positions.

    Batches without a shipment are left out and logged.

    Raises:
        ValueError: if `months` is below 1 or `end` precedes `start`.
    """
    if months < 1:
        raise ValueError(f"batch length {months} months is invalid: use 1+")
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    if last < first:
        raise ValueError(f"replay end {end} precedes its start {start}")
    stop = last + pd.Timedelta(days=1)
    batches = []
    begin = first
    while begin < stop:
        finish = min(begin + pd.DateOffset(months=months), stop)
        rows = np.flatnonzero(
            ((scheduled >= begin) & (scheduled < finish)).to_numpy()
        )
        if len(rows):
            batches.append(Batch(begin, finish, rows))
        else:
            logger.info(
                "Batch %s has no labelled shipment: skipped",
                f"{begin:%Y-%m-%d}",
            )
        begin = finish
    return batches


class TimelineReplay:
    """Fitted models, predictions and drift results shared by policies.

    Models are cached by cutoff, drift results by (batch, cutoff), so a
    threshold sweep costs only the drift checks it has not seen yet.
    """

    def __init__(
        self, shipments: pd.DataFrame, settings: ReplaySettings
    ) -> None:
        labelled = shipments[shipments["freight_usd"].notna()]
        dropped = len(shipments) - len(labelled)
        logger.info(
            "Replay uses %d labelled shipments; %d without a freight label "
            "are left out",
            len(labelled),
            dropped,
        )

        labelled = labelled.sort_values("scheduled_date").reset_index(
            drop=True
        )
        self.settings = settings
        self.features = build_features(labelled)
        self.freight = labelled["freight_usd"].astype(float).to_numpy()
        self.scheduled = pd.to_datetime(labelled["scheduled_date"])

        self.batches = make_batches(
            self.scheduled, settings.start, settings.end, settings.batch_months
        )
        if settings.max_batches is not None:
            self.batches = self.batches[: settings.max_batches]
        if not self.batches:
            raise ValueError(
                f"no labelled shipment scheduled from {settings.start} to "
                f"{settings.end}: widen the replay range."
            )

        self.fits = 0
        self._models: dict[pd.Timestamp, FreightModel] = {}
        self._errors: dict[tuple[int, pd.Timestamp], np.ndarray] = {}
        self._drift: dict[tuple[int, pd.Timestamp], float] = {}
        self._reference_mae: dict[pd.Timestamp, float] = {}

    def _before(self, cutoff: pd.Timestamp) -> np.ndarray:
        return (self.scheduled < cutoff).to_numpy()

    def model(self, cutoff: pd.Timestamp) -> FreightModel:
        """Return the model fitted on shipments scheduled before `cutoff`."""
        if cutoff not in self._models:
            rows = self._before(cutoff)
            if rows.sum() < self.settings.model_params.calibration_folds:
                raise ValueError(
                    f"only {rows.sum()} labelled shipments before "
                    f"{cutoff:%Y-%m-%d}: start the replay later."
                )
            began = time.perf_counter()
            self._models[cutoff] = FreightModel.fit(
                self.features[rows],
                pd.Series(self.freight[rows]),
                self.settings.model_params,
            )
            self.fits += 1
            logger.info(
                "Fitted the model with cutoff %s on %d shipments in %.1f s",
                f"{cutoff:%Y-%m-%d}",
                rows.sum(),
                time.perf_counter() - began,
            )
        return self._models[cutoff]

    def _absolute_errors(
        self, rows: np.ndarray, cutoff: pd.Timestamp
    ) -> np.ndarray:
        predicted = self.model(cutoff).predict(self.features.iloc[rows])
        return np.abs(predicted["predicted"].to_numpy() - self.freight[rows])

    def errors(self, index: int, cutoff: pd.Timestamp) -> np.ndarray:
        """Absolute errors on batch `index` of the model with `cutoff`."""
        key = (index, cutoff)
        if key not in self._errors:
            rows = self.batches[index].rows
            self._errors[key] = self._absolute_errors(rows, cutoff)
        return self._errors[key]

    def reference_mae(self, cutoff: pd.Timestamp) -> float:
        """Training-time MAE of the model with `cutoff`, by backtest.

        It is the MAE on the last batch-length window before the cutoff
        of a model fitted on the shipments before that window: a time
        holdout of the same recipe, since the model itself has seen the
        window.
        """
        if cutoff not in self._reference_mae:
            window = cutoff - pd.DateOffset(months=self.settings.batch_months)
            rows = np.flatnonzero(
                ((self.scheduled >= window) & (self.scheduled < cutoff))
                .to_numpy()
            )
            if len(rows) == 0:
                raise ValueError(
                    f"no labelled shipment from {window:%Y-%m-%d} to "
                    f"{cutoff:%Y-%m-%d} to backtest the model: start the "
                    "replay later or lengthen the batches."
                )
            mae = float(self._absolute_errors(rows, window).mean())
            self._reference_mae[cutoff] = mae
        return self._reference_mae[cutoff]

    def drift_share(self, index: int, cutoff: pd.Timestamp) -> float:
        """Drift share of batch `index` against the model's reference."""
        key = (index, cutoff)
        if key not in self._drift:
            rows = self._before(cutoff)
            months = self.settings.reference_months
            if months is not None:
                since = cutoff - pd.DateOffset(months=months)
                rows &= (self.scheduled >= since).to_numpy()
            result = check_drift(
                self.features[rows],
                self.features.iloc[self.batches[index].rows],
                self.settings.drift,
                include_html=False,
            )
            self._drift[key] = result.drift_share
        return self._drift[key]

    def run_policy(
        self, name: str, thresholds: GateThresholds | None = None
    ) -> PolicyResult:
        """Replay one policy over every batch.

        No decision is taken after the last batch, because no later batch
        would be served by a new model.
        """
        if name not in POLICIES:
            raise ValueError(f"unknown policy {name!r}: use one of {POLICIES}")
        thresholds = thresholds or self.settings.gate
        cutoff = self.batches[0].start
        errors, batch_mae, retrained, decisions = [], [], [], []
        for index, batch in enumerate(self.batches):
            batch_errors = self.errors(index, cutoff)
            errors.append(batch_errors)
            batch_mae.append(float(batch_errors.mean()))
            last = index == len(self.batches) - 1
            decision = None
            if name == GATED and not last:
                decision = decide_retraining(
                    self.drift_share(index, cutoff),
                    batch_mae[-1],
                    self.reference_mae(cutoff),
                    thresholds,
                )
                logger.info(
                    "Batch %s: %s (%s)",
                    batch.label,
                    "retrain" if decision.retrain else "keep the model",
                    "; ".join(decision.reasons),
                )
            retrain = not last and (
                name == ALWAYS or (decision is not None and decision.retrain)
            )
            if retrain:
                cutoff = batch.end
                self.model(cutoff)
            retrained.append(retrain)
            decisions.append(decision)
        pooled = float(np.concatenate(errors).mean())
        logger.info(
            "Policy %s: MAE %.0f USD with %d retrains",
            name,
            pooled,
            sum(retrained),
        )
        return PolicyResult(
            name=name,
            mae=pooled,
            retrains=sum(retrained),
            batch_mae=batch_mae,
            retrained_after=retrained,
            decisions=decisions if name == GATED else [],
        )


def replay_timeline(
    shipments: pd.DataFrame, settings: ReplaySettings | None = None
) -> ReplayResult:
    """Replay the never, always and gated policies over the timeline.

    Args:
        shipments: Cleaned shipments from `freight.cleaning.clean_shipments`;
            those without a freight label are left out.
        settings: Replay settings; `ReplaySettings()` when None.

    Returns:
        Per-batch and pooled MAE and retrain counts of each policy.

    Raises:
        ValueError: if no labelled shipment falls in the replay range or
            too few precede it to fit the first model.
    """
    settings = settings or ReplaySettings()
    began = time.perf_counter()
    replay = TimelineReplay(shipments, settings)
    logger.info(
        "Replaying %d batches of %d months from %s to %s",
        len(replay.batches),
        settings.batch_months,
        settings.start,
        settings.end,
    )
    policies = {name: replay.run_policy(name) for name in POLICIES}
    elapsed = time.perf_counter() - began
    logger.info("Replay finished in %.0f s with %d fits", elapsed, replay.fits)
    return ReplayResult(
        batches=replay.batches,
        policies=policies,
        elapsed_s=elapsed,
        fits=replay.fits,
        settings=settings,
        replay=replay,
    )


def sweep_thresholds(
    replay: TimelineReplay,
    drift_shares: list[float],
    error_increases: list[float],
) -> pd.DataFrame:
    """Replay the gated policy for every pair of thresholds.

    Args:
        replay: A replay whose fitted models and drift results are reused.
        drift_shares: Drift share thresholds to try.
        error_increases: Relative error increase thresholds to try.

    Returns:
        One row per pair: the thresholds, the gated MAE in USD and the
        number of retrains.
    """
    rows = []
    for drift_share in drift_shares:
        for error_increase in error_increases:
            thresholds = replace(
                replay.settings.gate,
                drift_share=drift_share,
                error_increase=error_increase,
            )
            policy = replay.run_policy(GATED, thresholds)
            rows.append(
                {
                    "drift_share": drift_share,
                    "error_increase": error_increase,
                    "mae": round(policy.mae, 1),
                    "retrains": policy.retrains,
                }
            )
    return pd.DataFrame(rows)
