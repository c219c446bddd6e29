"""Fixtures shared by the integration tests."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
TRAINING_CONFIG = REPO_ROOT / "configs" / "training.yaml"
MODEL_NAME = "freight_cost_model"
# Few trees: these tests check where the run is recorded, not its quality.
FAST_MODEL_PARAMS = {"iterations": 60, "quantile_iterations": 60}
TRAINING_STEPS = (
    "ingest_shipments",
    "clean_shipments",
    "build_shipment_features",
    "split_shipments",
    "train_freight_model",
    "evaluate_freight_model",
    "register_model_version",
)
SUMMARY_LINE = re.compile(
    r"Model version: (?P<model>\S+) v(?P<version>\d+) \(run (?P<run>[^)]+)\)"
)


@pytest.fixture
def zenml_env(tmp_path, monkeypatch):
    """Give ZenML a temporary global config and repository.

    The developer's ~/.config/zenml and the project's .zen stay untouched
    because the client reads only ZENML_CONFIG_PATH and the repository
    named by ZENML_REPOSITORY_PATH.

    Returns:
        The environment for subprocesses that run ZenML.
    """
    config_path = tmp_path / "zenml-config"
    repository = tmp_path / "repository"
    repository.mkdir()
    monkeypatch.setenv("ZENML_ANALYTICS_OPT_IN", "false")
    monkeypatch.setenv("ZENML_CONFIG_PATH", str(config_path))
    monkeypatch.setenv("ZENML_REPOSITORY_PATH", str(repository))
    monkeypatch.setenv("ZENML_ENABLE_REPO_INIT_WARNINGS", "false")
    monkeypatch.setenv("ZENML_AUTO_OPEN_DASHBOARD", "false")
    return dict(os.environ)


def write_fast_config(directory):
    """Write configs/training.yaml with few CatBoost iterations.

    Returns:
        The path of the written YAML file.
    """
    config = yaml.safe_load(TRAINING_CONFIG.read_text())
    config["parameters"]["model_params"].update(FAST_MODEL_PARAMS)
    path = Path(directory) / "training-fast.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def run_cli(env, *args, timeout=1200):
    """Run `python run.py ARGS` from the repository root in `env`.

    Returns:
        The completed process, after asserting that it exited with 0.
    """
    result = subprocess.run(
        [sys.executable, "run.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, (
        result.stdout[-3000:] + result.stderr[-5000:]
    )
    return result


def run_training(env, config, *options):
    """Run the training pipeline on the bundled data with `config`.

    Returns:
        The run summary printed by run.py, with the keys model, version
        and run (the pipeline run name).
    """
    result = run_cli(
        env, *options, "--pipeline", "training", "--config", str(config)
    )
    match = SUMMARY_LINE.search(result.stdout)
    assert match, result.stdout[-3000:]
    return match.groupdict()
