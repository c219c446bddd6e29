"""Feature drift and data quality of a batch against a reference frame.

Drift comes from Evidently 0.7's native API (`Report` with
`DataDriftPreset`). Missing values and categories unseen in the reference
come from pandas, so these numbers do not depend on Evidently's report
layout.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import asdict, dataclass, field

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset, DataSummaryPreset

from freight.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES

logger = logging.getLogger(__name__)

# Evidently marks a column as drifted by failing this test.
_VALUE_DRIFT_METRIC = "evidently:metric_v2:ValueDrift"
_FAILED = "FAIL"


@dataclass(frozen=True)
class DriftSettings:
    """Columns to test for drift, with their stattests and thresholds.

    Attributes:
        columns: Feature columns to test; all model features when None.
        exclude_columns: Columns left out of the test, such as calendar
            features that differ between any two periods by construction.
        num_method: Evidently stattest for numeric columns, or None for
            Evidently's choice by sample size.
        cat_method: Evidently stattest for categorical columns, or None.
        threshold: Per-column threshold of the stattest: a p-value for
            p-value tests (a column drifts below it), a distance for
            distance tests (a column drifts at or above it).
        drift_share: Share of drifted columns that Evidently's report
            shows as dataset drift. The retraining decision itself uses
            `freight.gate.GateThresholds`.
    """

    columns: tuple[str, ...] | None = None
    exclude_columns: tuple[str, ...] = ()
    num_method: str | None = "ks"
    cat_method: str | None = "chisquare"
    threshold: float | None = 0.05
    drift_share: float = 0.5


@dataclass(frozen=True)
class ColumnDrift:
    """Drift test result of one column.

    Attributes:
        column: Feature name.
        stattest: Evidently's name of the test it ran, such as `ks`.
        score: The test's p-value for p-value tests, its distance
            otherwise.
        threshold: The threshold the score was compared with.
        drifted: Whether Evidently reports the column as drifted.
    """

    column: str
    stattest: str
    score: float
    threshold: float
    drifted: bool


@dataclass(frozen=True)
class ColumnQuality:
    """Missing values and unseen categories of one column in the batch.

    Attributes:
        column: Feature name.
        missing_reference: Share of missing values in the reference.
        missing_current: Share of missing values in the batch.
        new_categories: Categories present in the batch but not in the
            reference, sorted; always empty for numeric columns.
        new_category_rows: Batch rows that carry one of those categories.
    """

    column: str
    missing_reference: float
    missing_current: float
    new_categories: tuple[str, ...] = ()
    new_category_rows: int = 0


@dataclass
class DriftResult:
    """Per-column drift, drift share, data quality and Evidently's HTML.

    Attributes:
        columns: Drift result per tested column, in test order.
        drift_share: Share of tested columns that drifted.
        quality: Missing values and unseen categories per column.
        reference_rows: Rows in the reference frame.
        current_rows: Rows in the batch.
        untested_columns: Columns with no value in the batch or the
            reference, which no drift test can score. They are left out
            of `columns` and `drift_share`; `quality` shows their missing
            share.
        html: Evidently's HTML report, or None when not requested. It
            needs JavaScript to render.
    """

    columns: list[ColumnDrift]
    drift_share: float
    quality: list[ColumnQuality]
    reference_rows: int
    current_rows: int
    untested_columns: list[str] = field(default_factory=list)
    html: str | None = field(default=None, repr=False)

    @property
    def drifted_columns(self) -> list[ColumnDrift]:
        """Columns that Evidently reports as drifted."""
        return [column for column in self.columns if column.drifted]

    def as_dict(self) -> dict:
        """Return everything but the HTML as JSON-serialisable values."""
        return {
            "drift_share": self.drift_share,
            "drifted_count": len(self.drifted_columns),
            "column_count": len(self.columns),
            "reference_rows": self.reference_rows,
            "current_rows": self.current_rows,
            "untested_columns": list(self.untested_columns),
            "columns": [asdict(column) for column in self.columns],
            "quality": [
                {**asdict(item), "new_categories": list(item.new_categories)}
                for item in self.quality
            ],
        }


def _data_definition(columns: list[str]) -> DataDefinition:
    return DataDefinition(
        numerical_columns=[c for c in columns if c in NUMERIC_FEATURES],
        categorical_columns=[c for c in columns if c in CATEGORICAL_FEATURES],
    )


def _column_quality(
    reference: pd.DataFrame, current: pd.DataFrame, columns: list[str]
) -> list[ColumnQuality]:
    quality = []
    for column in columns:
        new_categories: tuple[str, ...] = ()
        new_rows = 0
        if column in CATEGORICAL_FEATURES:
            known = set(reference[column].dropna().astype(str))
            values = current[column].dropna().astype(str)
            unseen = ~values.isin(known)
            new_categories = tuple(sorted(set(values[unseen])))
            new_rows = int(unseen.sum())
        quality.append(
            ColumnQuality(
                column=column,
                missing_reference=float(reference[column].isna().mean()),
                missing_current=float(current[column].isna().mean()),
                new_categories=new_categories,
                new_category_rows=new_rows,
            )
        )
    return quality


def _parse_column_drift(snapshot_dict: dict) -> list[ColumnDrift]:
    """Read per-column drift from a snapshot's metrics and tests."""
    failed = {
        test["metric_config"]["metric_id"]
        for test in snapshot_dict["tests"]
        if test["status"] == _FAILED
    }
    results = []
    for metric in snapshot_dict["metrics"]:
        config = metric["config"]
        if config.get("type") != _VALUE_DRIFT_METRIC:
            continue
        results.append(
            ColumnDrift(
                column=config["column"],
                stattest=str(config["method"]),
                score=float(metric["value"]),
                threshold=float(config["threshold"]),
                drifted=metric["id"] in failed,
            )
        )
    return results


def check_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    settings: DriftSettings | None = None,
    include_html: bool = True,
) -> DriftResult:
    """Test the feature columns of a batch for drift against a reference.

    Args:
        reference: Feature frame the model was trained on, as returned by
            `freight.features.build_features`.
        current: Feature frame of the batch, same columns.
        settings: Columns, stattests and thresholds; `DriftSettings()`
            when None.
        include_html: Also run Evidently's data summary preset and return
            the report as HTML. The replay turns it off to save time.

    Returns:
        Per-column drift, drift share, data quality and, if requested,
        Evidently's HTML report.

    Raises:
        ValueError: if either frame is empty or lacks a tested column, or
            no tested column has a value on both sides.
    """
    settings = settings or DriftSettings()
    candidates = settings.columns or CATEGORICAL_FEATURES + NUMERIC_FEATURES
    columns = [c for c in candidates if c not in settings.exclude_columns]
    if not columns:
        raise ValueError(
            "no column left to test: settings exclude every column in "
            f"{list(candidates)}."
        )
    for name, frame in (("reference", reference), ("current", current)):
        if frame.empty:
            raise ValueError(
                f"{name} frame is empty: drift needs at least one row on "
                "each side."
            )
        absent = [column for column in columns if column not in frame]
        if absent:
            raise ValueError(
                f"{name} frame lacks columns {absent}: build both frames "
                "with freight.features.build_features."
            )

    # Evidently 0.7 raises on a column with no value on either side, which
    # happens when every shipment of a batch lacks its weight.
    # NOTE: such a column is left out of the drift share, not counted as
    # drifted. Its missing share is in `quality` for the caller to judge.
    untested = [
        column
        for column in columns
        if current[column].isna().all() or reference[column].isna().all()
    ]
    tested = [column for column in columns if column not in untested]
    if not tested:
        raise ValueError(
            f"no column left to test: {untested} have no value in the "
            "current or the reference frame."
        )
    if untested:
        logger.warning(
            "Not testing %d column(s) for drift because they have no "
            "value in the current or the reference frame: %s",
            len(untested),
            untested,
        )

    metrics = [
        DataDriftPreset(
            columns=tested,
            drift_share=settings.drift_share,
            num_method=settings.num_method,
            cat_method=settings.cat_method,
            threshold=settings.threshold,
        )
    ]
    if include_html:
        metrics.append(DataSummaryPreset(columns=columns))
    definition = _data_definition(columns)
    with warnings.catch_warnings():
        # Constant columns in a small batch make numpy's correlation warn.
        warnings.simplefilter("ignore", RuntimeWarning)
        snapshot = Report(metrics, include_tests=True).run(
            Dataset.from_pandas(
                current[columns], data_definition=definition
            ),
            Dataset.from_pandas(
                reference[columns], data_definition=definition
            ),
        )

    column_drift = _parse_column_drift(snapshot.dict())
    drifted = sum(column.drifted for column in column_drift)
    share = drifted / len(column_drift)
    quality = _column_quality(reference, current, columns)
    new_rows = {
        item.column: item.new_category_rows
        for item in quality
        if item.new_categories
    }
    logger.info(
        "Drift of %d rows against %d reference rows: %d of %d columns "
        "drifted (share %.2f)",
        len(current),
        len(reference),
        drifted,
        len(column_drift),
        share,
    )
    if new_rows:
        logger.warning("Rows with categories unseen in training: %s", new_rows)
    return DriftResult(
        columns=column_drift,
        drift_share=share,
        quality=quality,
        reference_rows=len(reference),
        current_rows=len(current),
        untested_columns=untested,
        html=snapshot.get_html_str(as_iframe=False) if include_html else None,
    )
