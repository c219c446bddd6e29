"""Compare the project's freight model with two baselines on both splits.

Run from the repository root:

    python -m benchmarks.model_quality [--data PATH]

For the `group` and `time` split protocols it fits three models on the
labelled shipments of the training side and scores them on the test
side, in USD per shipment:

- `median_by_mode`: median training freight of the shipment mode.
- `catboost_plain`: CatBoost with default parameters on log1p(freight),
  trained on each line item that records a numeric freight cost, with
  that line's own fields as features. A test shipment's prediction is
  the sum over its freight lines.
- `project`: `FreightModel` with the default `ModelParams`.

It prints one table per split next to the reference figures measured
before the current model, and writes the metrics to
benchmarks/results/model_quality.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from catboost import CatBoostRegressor, Pool

from freight import cleaning, contract, features, metrics, splits
from freight.model import FreightModel, ModelParams

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT / "data" / "SCMS_Delivery_History_Dataset.csv.gz"
RESULTS_FILE = REPO_ROOT / "benchmarks" / "results" / "model_quality.json"
METRICS = ("mae", "rmse", "r2", "median_ape", "sum_ratio", "interval_coverage")
THREAD_COUNT = 2

# Figures measured with the same splits before this benchmark existed;
# None where no figure was recorded.
REFERENCE = {
    "group": {
        "median_by_mode": {"mae": 8303, "r2": -0.09},
        "catboost_plain": {"mae": 3828, "r2": 0.70, "sum_ratio": 0.87},
        "project": {
            "mae": 3996,
            "r2": 0.696,
            "sum_ratio": 0.98,
            "interval_coverage": 0.825,
        },
    },
    "time": {
        "catboost_plain": {"mae": 6178, "r2": 0.51},
        "project": {
            "mae": 5946,
            "r2": 0.593,
            "sum_ratio": 0.978,
            "interval_coverage": 0.70,
        },
    },
}

# Line-item fields of `cleaning.clean_lines` that the plain model reads.
PLAIN_CATEGORICAL = features.CATEGORICAL_FEATURES
PLAIN_NUMERIC = (
    "line_item_quantity",
    "line_item_value",
    "pack_price",
    "weight_kg",
    "scheduled_year",
    "scheduled_month",
)


def plain_line_features(lines: pd.DataFrame) -> pd.DataFrame:
    """Build the plain model's features from cleaned line items."""
    table = pd.DataFrame(index=lines.index)
    for column in PLAIN_CATEGORICAL:
        table[column] = lines[column].fillna("missing").astype(str)
    for column in PLAIN_NUMERIC[:4]:
        table[column] = lines[column].astype(float)
    scheduled = pd.to_datetime(lines["scheduled_date"])
    table["scheduled_year"] = scheduled.dt.year.astype(float)
    table["scheduled_month"] = scheduled.dt.month.astype(float)
    return table


def fit_plain_catboost(
    freight_lines: pd.DataFrame, train: pd.DataFrame, test: pd.DataFrame
) -> np.ndarray:
    """Fit the plain line-level model and predict each test shipment."""
    train_lines = freight_lines[
        freight_lines["shipment_id"].isin(train["shipment_id"])
    ]
    test_lines = freight_lines[
        freight_lines["shipment_id"].isin(test["shipment_id"])
    ]
    regressor = CatBoostRegressor(
        thread_count=THREAD_COUNT,
        random_seed=42,
        allow_writing_files=False,
        verbose=False,
    )
    regressor.fit(
        Pool(
            plain_line_features(train_lines),
            label=np.log1p(train_lines["freight_usd"].to_numpy(float)),
            cat_features=list(PLAIN_CATEGORICAL),
        )
    )
    line_predictions = np.expm1(
        regressor.predict(
            Pool(
                plain_line_features(test_lines),
                cat_features=list(PLAIN_CATEGORICAL),
            )
        )
    )
    by_shipment = pd.Series(
        line_predictions, index=test_lines["shipment_id"].to_numpy()
    ).groupby(level=0).sum()
    return by_shipment.reindex(test["shipment_id"]).to_numpy(float)


def score(
    actual: np.ndarray,
    predicted: np.ndarray,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
) -> dict[str, float | None]:
    """Return the benchmark's metrics, without the shipment count."""
    result = metrics.regression_metrics(actual, predicted, lower, upper)
    return {name: result[name] for name in METRICS}


def evaluate_split(
    labelled: pd.DataFrame, freight_lines: pd.DataFrame, protocol: str
) -> tuple[dict[str, dict], float]:
    """Fit and score the three models on one split protocol.

    Returns:
        The metrics per model and the seconds `FreightModel.fit` took.
    """
    train, test = splits.split_shipments(labelled, protocol)
    actual = test["freight_usd"].to_numpy(float)
    results = {}

    baseline = metrics.MedianByModeBaseline().fit(
        train["shipment_mode"], train["freight_usd"]
    )
    results["median_by_mode"] = score(
        actual, baseline.predict(test["shipment_mode"])
    )

    results["catboost_plain"] = score(
        actual, fit_plain_catboost(freight_lines, train, test)
    )

    started = time.perf_counter()
    model = FreightModel.fit(
        features.build_features(train), train["freight_usd"], ModelParams()
    )
    fit_seconds = time.perf_counter() - started
    prediction = model.predict(features.build_features(test))
    results["project"] = score(
        actual,
        prediction["predicted"].to_numpy(),
        prediction["p10"].to_numpy(),
        prediction["p90"].to_numpy(),
    )
    return results, fit_seconds


def format_value(name: str, value: float | None) -> str:
    if value is None:
        return "-"
    if name in ("mae", "rmse"):
        return f"{value:,.0f}"
    return f"{value:.3f}"


def format_table(protocol: str, results: dict[str, dict]) -> str:
    """Return a Markdown table of measured and reference metrics."""
    header = ["model"] + list(METRICS)
    rows = [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for model, measured in results.items():
        cells = [model] + [format_value(m, measured[m]) for m in METRICS]
        rows.append("| " + " | ".join(cells) + " |")
        reference = REFERENCE[protocol].get(model)
        if reference:
            cells = [f"{model} (reference)"] + [
                format_value(m, reference.get(m)) for m in METRICS
            ]
            rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="SCMS delivery history CSV (plain or .gz); default: the "
        "bundled file",
    )
    args = parser.parse_args(argv)

    raw = contract.read_raw_csv(args.data)
    shipments, _ = cleaning.clean_shipments(raw)
    labelled = shipments[shipments["freight_usd"].notna()]
    labelled = labelled.reset_index(drop=True)
    lines = cleaning.clean_lines(raw)
    freight_lines = lines[lines["freight_status"] == cleaning.NUMBER]

    all_results = {}
    for protocol in splits.PROTOCOLS:
        results, fit_seconds = evaluate_split(
            labelled, freight_lines, protocol
        )
        all_results[protocol] = results
        print(f"\n{protocol} split ({fit_seconds:.1f} s FreightModel.fit)")
        print(format_table(protocol, results))

    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(all_results, indent=2) + "\n")
    print(f"\nWrote {RESULTS_FILE.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
