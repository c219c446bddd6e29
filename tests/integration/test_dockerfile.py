"""The Dockerfile, checked without a Docker engine.

The static checks read the Dockerfile. The entrypoint check rebuilds
what the image holds: a fresh virtualenv with the pinned requirements.txt
(as `RUN pip install -r requirements.txt` does) and a copy of the build
context filtered by .dockerignore, then runs `python run.py --help` there
as the image's ENTRYPOINT and CMD do. The virtualenv is cached under
tmp/dockerfile-venv, keyed by the hash of requirements.txt, because the
install takes several minutes. It does not reuse .venv, whose packages
may differ from the pins.
"""

import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import sys
import venv

import pytest

from tests.integration.conftest import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"
VENV_DIR = REPO_ROOT / "tmp" / "dockerfile-venv"


def _instructions():
    """Return (INSTRUCTION, arguments) pairs, joining continued lines."""
    instructions = []
    current = ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        current += " " + stripped.rstrip("\\").strip()
        if not stripped.endswith("\\"):
            keyword, _, arguments = current.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
            current = ""
    return instructions


def test_dockerfile_installs_pinned_requirements():
    instructions = _instructions()
    copies = [args for keyword, args in instructions if keyword == "COPY"]
    runs = [args for keyword, args in instructions if keyword == "RUN"]

    assert any(args.endswith("requirements.txt .") for args in copies)
    assert "pip install -r requirements.txt" in runs
    # Every pin in requirements.txt is exact, so the image gets the same
    # versions as the development environment.
    for line in (REPO_ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert "==" in line, line


def test_dockerfile_runs_as_non_root_user():
    users = [args for keyword, args in _instructions() if keyword == "USER"]

    assert users, "the Dockerfile sets no USER"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_entrypoint_is_run_py():
    instructions = dict(_instructions())

    assert json.loads(instructions["ENTRYPOINT"]) == ["python", "run.py"]
    assert json.loads(instructions["CMD"]) == ["--help"]


def _dockerignore_patterns():
    lines = (REPO_ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip()]


def _copy_build_context(destination):
    patterns = _dockerignore_patterns()

    def ignore(directory, names):
        relative = os.path.relpath(directory, REPO_ROOT)
        ignored = set()
        for name in names:
            path = os.path.normpath(os.path.join(relative, name))
            if any(
                fnmatch.fnmatch(path, pattern)
                or fnmatch.fnmatch(name, pattern)
                for pattern in patterns
            ):
                ignored.add(name)
        return ignored

    shutil.copytree(REPO_ROOT, destination, ignore=ignore)


def _image_venv():
    """Build the virtualenv as the Dockerfile does, once per requirements."""
    requirements = REPO_ROOT / "requirements.txt"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = VENV_DIR / "requirements.sha256"
    python = VENV_DIR / "bin" / "python"
    if stamp.exists() and stamp.read_text() == digest and python.exists():
        return python

    shutil.rmtree(VENV_DIR, ignore_errors=True)
    venv.EnvBuilder(with_pip=True).create(VENV_DIR)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-r", str(requirements)],
        check=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        timeout=1800,
    )
    stamp.write_text(digest)
    return python


@pytest.mark.skipif(
    sys.version_info[:2] != (3, 11),
    reason="the image runs Python 3.11 (python:3.11-slim-bookworm)",
)
def test_dockerfile_entrypoint_help_succeeds(tmp_path):
    python = _image_venv()
    app = tmp_path / "app"
    _copy_build_context(app)

    assert not (app / ".venv").exists()
    assert not (app / ".git").exists()
    result = subprocess.run(
        [str(python), "run.py", "--help"],
        cwd=app,
        env={
            "PATH": f"{python.parent}:/usr/bin:/bin",
            "HOME": str(tmp_path),
            "ZENML_ANALYTICS_OPT_IN": "false",
            "ZENML_CONFIG_PATH": str(tmp_path / "zenml-config"),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Usage:" in result.stdout
