"""Measure what running the training as a ZenML pipeline costs.

Run from the repository root:

    python -m benchmarks.pipeline_overhead [--data PATH]

It measures three wall-clock times, each a fresh Python process:

- `bare_s`: the training computation as a plain script (read, clean,
  build features, split, fit, evaluate) with the freight/ code and the
  split and model_params of configs/training.yaml.
- `pipeline_cold_s`: `python run.py --pipeline training --no-cache`.
- `pipeline_cached_s`: `python run.py --pipeline training`, right after
  the cold run, so every step can come from the cache.

All runs use a temporary ZenML store (ZENML_CONFIG_PATH), created and
given the local stack before the timed runs. The user's store is never
opened, and the repository's .zen/config.yaml is restored afterwards.
It prints a table next to the targets and per-step durations from the
run records, and writes benchmarks/results/pipeline_overhead.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT / "data" / "SCMS_Delivery_History_Dataset.csv.gz"
CONFIG_FILE = REPO_ROOT / "configs" / "training.yaml"
RESULTS_FILE = REPO_ROOT / "benchmarks" / "results" / "pipeline_overhead.json"
REPOSITORY_CONFIG = REPO_ROOT / ".zen" / "config.yaml"

CACHED_TARGET_S = 10.0
COLD_MARGIN_S = 15.0
TIMEOUT_S = 3600
# Start-up work of run.py before a pipeline starts: import ZenML, the
# steps and the integrations, and find or register the local stack.
STARTUP_SCRIPT = (
    "import run; from utils.stacks import ensure_local_stack; "
    "ensure_local_stack(); import pipelines.training"
)

# Pipeline steps and the bare-script stage that does the same work.
STEP_STAGES = {
    "ingest_shipments": "read",
    "clean_shipments": "clean",
    "build_shipment_features": "features",
    "split_shipments": "split",
    "train_freight_model": "fit",
    "evaluate_freight_model": "evaluate",
    "register_model_version": None,
}


def run_bare(data: Path, config_path: Path) -> dict[str, float]:
    """Train and evaluate without ZenML and time each stage.

    Does what the pipeline's steps compute, minus their logging, charts
    and metadata.

    Returns:
        Seconds per stage, keyed by the names in `STEP_STAGES`.
    """
    from freight import cleaning, contract, features, metrics, splits
    from freight.model import FreightModel, ModelParams

    with open(config_path) as file:
        parameters = yaml.safe_load(file)["parameters"]
    split = parameters["split"]
    rules = parameters["cleaning"]
    stages: dict[str, float] = {}

    started = time.perf_counter()
    raw = contract.read_raw_csv(data)
    contract.validate_raw(raw)
    contract.count_sentinels(raw)
    stages["read"] = time.perf_counter() - started

    started = time.perf_counter()
    shipments, _ = cleaning.clean_shipments(
        raw,
        cleaning.ImplausibleRules(
            min_freight_usd=rules["min_freight_usd"],
            max_cost_per_kg=rules["max_cost_per_kg"],
        ),
    )
    stages["clean"] = time.perf_counter() - started

    started = time.perf_counter()
    labelled = shipments[shipments[features.TARGET].notna()]
    if rules["exclude_implausible"]:
        labelled = labelled[~labelled["implausible"]]
    table = labelled[["shipment_id", "scheduled_date"]].join(
        features.build_features(labelled)
    )
    table[features.TARGET] = labelled[features.TARGET]
    stages["features"] = time.perf_counter() - started

    started = time.perf_counter()
    train, test = splits.split_shipments(
        table.reset_index(drop=True),
        split["protocol"],
        test_size=split["test_size"],
        seed=split["seed"],
        time_cutoff=split["time_cutoff"],
    )
    stages["split"] = time.perf_counter() - started

    started = time.perf_counter()
    model = FreightModel.fit(
        train[list(features.FEATURES)],
        train[features.TARGET],
        ModelParams(**parameters["model_params"]),
    )
    stages["fit"] = time.perf_counter() - started

    started = time.perf_counter()
    prediction = model.predict(test[list(features.FEATURES)])
    actual = test[features.TARGET].to_numpy(float)
    metrics.regression_metrics(
        actual,
        prediction["predicted"].to_numpy(),
        prediction["p10"].to_numpy(),
        prediction["p90"].to_numpy(),
    )
    baseline = metrics.MedianByModeBaseline().fit(
        train["shipment_mode"], train[features.TARGET]
    )
    metrics.regression_metrics(actual, baseline.predict(test["shipment_mode"]))
    stages["evaluate"] = time.perf_counter() - started
    return stages


def timed_process(command: list[str], env: dict[str, str]) -> tuple[
    float, str
]:
    """Run a command from the repository root and time it.

    Returns:
        Wall-clock seconds and the command's stdout.

    Raises:
        RuntimeError: if the command exits with a non-zero status.
    """
    started = time.perf_counter()
    result = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed with exit status "
            f"{result.returncode}:\n{result.stderr[-3000:]}"
        )
    return elapsed, result.stdout


def step_durations(run_id: str) -> dict[str, dict[str, Any]]:
    """Read each step's status and duration from a pipeline run."""
    from zenml.client import Client

    run = Client().get_pipeline_run(run_id)
    durations = {}
    for name, step in run.steps.items():
        seconds = None
        if step.start_time and step.end_time:
            seconds = (step.end_time - step.start_time).total_seconds()
        durations[name] = {"status": step.status.value, "seconds": seconds}
    return durations


def run_seconds(run_id: str) -> float | None:
    """Return a pipeline run's duration from its start and end times."""
    from zenml.client import Client

    run = Client().get_pipeline_run(run_id)
    if run.start_time and run.end_time:
        return (run.end_time - run.start_time).total_seconds()
    return None


def fit_seconds(run_id: str) -> float | None:
    """Return the `FreightModel.fit` time the train step logged."""
    from zenml.client import Client

    version = Client().get_pipeline_run(run_id).model_version
    return version.run_metadata.get("fit_seconds") if version else None


def latest_run_ids(count: int) -> list[str]:
    """Return the ids of the newest training runs, oldest first."""
    from zenml.client import Client

    runs = Client().list_pipeline_runs(
        pipeline="training_pipeline", sort_by="desc:created", size=count
    )
    return [str(run.id) for run in reversed(runs.items)]


def format_seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def format_table(results: dict[str, float]) -> str:
    """Format the three times next to their targets as Markdown."""
    cold_limit = results["bare_s"] + COLD_MARGIN_S
    rows = [
        ("bare script", results["bare_s"], "-", None),
        (
            "pipeline, cold (--no-cache)",
            results["pipeline_cold_s"],
            f"<= bare + {COLD_MARGIN_S:.0f} s = {cold_limit:.1f} s",
            results["pipeline_cold_s"] <= cold_limit,
        ),
        (
            "pipeline, cached rerun",
            results["pipeline_cached_s"],
            f"<= {CACHED_TARGET_S:.0f} s",
            results["pipeline_cached_s"] <= CACHED_TARGET_S,
        ),
    ]
    lines = [
        "| run | wall clock (s) | target | met |",
        "| --- | ---: | --- | --- |",
    ]
    for name, seconds, target, met in rows:
        verdict = "-"
        if met is not None:
            verdict = "yes" if met else "no"
        lines.append(f"| {name} | {seconds:.1f} | {target} | {verdict} |")
    return "\n".join(lines)


def format_steps(
    bare: dict[str, float],
    cold: dict[str, dict[str, Any]],
    cached: dict[str, dict[str, Any]],
) -> str:
    """Format per-step durations of both runs next to the bare stages."""
    lines = [
        "| step | bare stage (s) | cold step (s) | cold - bare (s) "
        "| cached step (s) | cached status |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for step, stage in STEP_STAGES.items():
        bare_seconds = bare.get(stage) if stage else None
        cold_seconds = cold.get(step, {}).get("seconds")
        overhead = None
        if cold_seconds is not None:
            overhead = cold_seconds - (bare_seconds or 0.0)
        cached_step = cached.get(step, {})
        lines.append(
            f"| {step} | {format_seconds(bare_seconds)} "
            f"| {format_seconds(cold_seconds)} "
            f"| {format_seconds(overhead)} "
            f"| {format_seconds(cached_step.get('seconds'))} "
            f"| {cached_step.get('status', '-')} |"
        )
    return "\n".join(lines)


def measure(data: Path) -> None:
    """Run the three measurements in a temporary ZenML store and report."""
    store = tempfile.mkdtemp(prefix="freight-zenml-benchmark-")
    # Child processes and this process's own ZenML client both read
    # ZENML_CONFIG_PATH, so it must be set before zenml is imported.
    os.environ["ZENML_CONFIG_PATH"] = store
    os.environ["ZENML_ANALYTICS_OPT_IN"] = "false"
    env = dict(os.environ)
    saved_config = (
        REPOSITORY_CONFIG.read_bytes() if REPOSITORY_CONFIG.exists() else None
    )
    python = sys.executable
    try:
        setup_s, _ = timed_process(
            [
                python,
                "-c",
                "from utils.stacks import ensure_local_stack; "
                "ensure_local_stack()",
            ],
            env,
        )
        startup_s, _ = timed_process(
            [python, "-c", STARTUP_SCRIPT], env
        )
        bare_s, output = timed_process(
            [python, "-m", "benchmarks.pipeline_overhead", "--bare",
             "--data", str(data)],
            env,
        )
        bare_stages = json.loads(output.strip().splitlines()[-1])
        training = [python, "run.py", "--pipeline", "training",
                    "--data", str(data)]
        cold_s, _ = timed_process(training + ["--no-cache"], env)
        cached_s, _ = timed_process(training, env)

        cold_id, cached_id = latest_run_ids(2)
        cold_steps = step_durations(cold_id)
        cached_steps = step_durations(cached_id)
        cold_run_s = run_seconds(cold_id)
        cold_fit_s = fit_seconds(cold_id)
        cached_run_s = run_seconds(cached_id)
    finally:
        if saved_config is not None:
            REPOSITORY_CONFIG.write_bytes(saved_config)
        shutil.rmtree(store, ignore_errors=True)

    results = {
        "bare_s": round(bare_s, 2),
        "pipeline_cold_s": round(cold_s, 2),
        "pipeline_cached_s": round(cached_s, 2),
    }
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(results, indent=2) + "\n")

    bare_compute = sum(bare_stages.values())
    cold_steps_s = sum(
        step["seconds"] or 0.0 for step in cold_steps.values()
    )
    print(format_table(results))
    print()
    print(format_steps(bare_stages, cold_steps, cached_steps))
    print()
    print(f"store setup (untimed above):      {setup_s:6.1f} s")
    print(f"run.py start-up without a run:    {startup_s:6.1f} s")
    print(f"bare compute inside the script:   {bare_compute:6.1f} s")
    print(
        f"cold run, start to end (ZenML):   "
        f"{format_seconds(cold_run_s):>6} s"
    )
    print(f"cold run, sum of step durations:  {cold_steps_s:6.1f} s")
    print(
        f"cold run, FreightModel.fit alone: "
        f"{format_seconds(cold_fit_s):>6} s"
    )
    print(
        f"cached run, start to end (ZenML): "
        f"{format_seconds(cached_run_s):>6} s"
    )
    print(f"wrote {RESULTS_FILE.relative_to(REPO_ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="SCMS delivery history CSV (plain or .gz).",
    )
    parser.add_argument(
        "--bare",
        action="store_true",
        help="Only run the bare script and print its stage times as JSON "
        "(used by the benchmark itself).",
    )
    args = parser.parse_args()
    data = args.data.resolve()
    if args.bare:
        print(json.dumps(run_bare(data, CONFIG_FILE)))
    else:
        measure(data)


if __name__ == "__main__":
    main()
