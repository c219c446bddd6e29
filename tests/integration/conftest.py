"""Fixtures shared by the integration tests."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY_PIPELINE = Path(__file__).with_name("tiny_pipeline.py")


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


def run_tiny_pipeline(env, tracker=None, timeout=600):
    """Run tiny_pipeline.py in the temporary repository of `zenml_env`.

    Args:
        env: The environment returned by the `zenml_env` fixture.
        tracker: Name of an experiment tracker for the first step.
        timeout: Seconds before the run is abandoned.

    Returns:
        The id of the pipeline run.
    """
    repository = Path(env["ZENML_REPOSITORY_PATH"])
    shutil.copy(TINY_PIPELINE, repository / TINY_PIPELINE.name)
    command = [sys.executable, TINY_PIPELINE.name]
    if tracker:
        command.append(tracker)
    result = subprocess.run(
        command,
        cwd=repository,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1]
