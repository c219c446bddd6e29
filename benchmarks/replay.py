"""Benchmark the retraining policies on the SCMS timeline.

Run from the repository root:

    python -m benchmarks.replay

It replays the never, always and gated policies with the settings of
configs/monitoring.yaml, prints the table next to the targets, writes
benchmarks/results/replay.json and the chart docs/replay.png. When the
gated policy misses a target, or with --sweep, it also replays the gated
policy over the threshold grid of the config and records the trade-off.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import replace
from pathlib import Path

import yaml

from freight.cleaning import clean_shipments
from freight.contract import read_raw_csv
from monitoring.config import DEFAULT_PATH, load_monitoring_config
from monitoring.replay import ALWAYS, GATED, replay_timeline, sweep_thresholds
from monitoring.replay_report import format_replay_table, plot_replay

logger = logging.getLogger("benchmarks.replay")

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data/SCMS_Delivery_History_Dataset.csv.gz"
RESULT = ROOT / "benchmarks/results/replay.json"
CHART = ROOT / "docs/replay.png"

# Targets of the gated policy against retraining after every batch.
MAX_MAE_RATIO = 1.05
MAX_RETRAIN_RATIO = 0.5
MAX_SECONDS = 600


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--max-batches", type=int, help="stop after this many batches"
    )
    parser.add_argument(
        "--model-params",
        type=yaml.safe_load,
        default={},
        help='ModelParams overrides as YAML, e.g. "{iterations: 100}"',
    )
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="run the threshold sweep even when the targets are met",
    )
    parser.add_argument("--output", type=Path, default=RESULT)
    parser.add_argument("--chart", type=Path, default=CHART)
    return parser.parse_args()


def _check_targets(record: dict) -> list[tuple[str, str, str, bool]]:
    """Return (target, required, measured, met) for each target."""
    always = record["policies"][ALWAYS]
    gated = record["policies"][GATED]
    ratio = gated["mae"] / always["mae"]
    retrain_limit = always["retrains"] * MAX_RETRAIN_RATIO
    return [
        (
            "gated MAE / always MAE",
            f"<= {MAX_MAE_RATIO:.2f}",
            f"{ratio:.3f}",
            ratio <= MAX_MAE_RATIO,
        ),
        (
            "gated retrains",
            f"<= {retrain_limit:.1f}",
            str(gated["retrains"]),
            gated["retrains"] <= retrain_limit,
        ),
        (
            "replay wall time (s)",
            f"<= {MAX_SECONDS}",
            f"{record['elapsed_s']:.0f}",
            record["elapsed_s"] <= MAX_SECONDS,
        ),
    ]


def main() -> None:
    args = _parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(message)s"
    )
    config = load_monitoring_config(args.config, **args.model_params)
    settings = config.replay
    if args.max_batches is not None:
        settings = replace(settings, max_batches=args.max_batches)

    shipments, _ = clean_shipments(read_raw_csv(args.data))
    result = replay_timeline(shipments, settings)
    record = result.as_dict()
    record["model_params"] = vars(settings.model_params)

    print(format_replay_table(result))
    targets = _check_targets(record)
    print(f"\n{'target':<24} {'required':>10} {'measured':>10}  met")
    for name, required, measured, met in targets:
        print(f"{name:<24} {required:>10} {measured:>10}  {met}")
    record["targets"] = [
        {"target": name, "required": required, "measured": measured,
         "met": met}
        for name, required, measured, met in targets
    ]

    if args.sweep or not all(met for *_, met in targets[:2]):
        began = time.perf_counter()
        curve = sweep_thresholds(
            result.replay,
            list(config.sweep_drift_share),
            list(config.sweep_error_increase),
        )
        record["sweep"] = curve.to_dict(orient="records")
        record["sweep_elapsed_s"] = round(time.perf_counter() - began, 1)
        print("\nTrade-off of the gated policy over thresholds")
        print(f"(always: MAE {record['policies'][ALWAYS]['mae']:,.0f}, "
              f"{record['policies'][ALWAYS]['retrains']} retrains)")
        print(curve.to_string(index=False))

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(record, indent=2, default=str) + "\n")
    args.chart.parent.mkdir(parents=True, exist_ok=True)
    args.chart.write_bytes(plot_replay(result))
    logger.info("Wrote %s and %s", args.output, args.chart)


if __name__ == "__main__":
    main()
