"""Train with a small copy of configs/training.yaml, for fast tests."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.conftest import REPO_ROOT, run_cli

TRAINING_CONFIG = REPO_ROOT / "configs" / "training.yaml"
# Few trees: these tests check the run's records, not model quality.
QUICK_MODEL_PARAMS = {"iterations": 40, "quantile_iterations": 30}
SUMMARY_LINE = re.compile(
    r"Model version: (?P<name>\S+) v(?P<number>\d+) \(run (?P<run>[^)]+)\)"
)


def write_quick_config(directory: Path) -> Path:
    """Write the training config with few CatBoost iterations.

    Returns:
        The path of the written YAML file.
    """
    config = yaml.safe_load(TRAINING_CONFIG.read_text())
    config["parameters"]["model_params"] = dict(QUICK_MODEL_PARAMS)
    path = directory / "training-quick.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def train(config: Path, *options: str) -> tuple[str, str]:
    """Run `run.py --pipeline training` and read its summary.

    Returns:
        The model version label (`name:number`) and the run name.
    """
    result = run_cli("--pipeline", "training", "--config", str(config),
                     *options)
    assert result.returncode == 0, result.stderr[-3000:]
    match = SUMMARY_LINE.search(result.stdout)
    assert match, result.stdout[-2000:]
    return f"{match['name']}:{match['number']}", match["run"]
