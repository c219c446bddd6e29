"""Shared fixtures. Every test session uses its own ZenML store."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_FILE = REPO_ROOT / "data" / "SCMS_Delivery_History_Dataset.csv.gz"

# Set before anything imports ZenML, so no test touches the user's store.
_STORE = tempfile.mkdtemp(prefix="freight-zenml-test-")
os.environ["ZENML_CONFIG_PATH"] = _STORE
os.environ["ZENML_ANALYTICS_OPT_IN"] = "false"
os.environ.setdefault("ZENML_LOGGING_VERBOSITY", "WARN")
# Served models in tests write their request log here, not to ~/.freight.
os.environ["FREIGHT_REQUEST_LOG"] = str(Path(_STORE) / "request_log.jsonl")


@pytest.fixture(scope="session", autouse=True)
def keep_repository_config():
    """Restore the repository's .zen/config.yaml after the session.

    Pipelines run by the tests activate stacks in the temporary store,
    and ZenML writes the active stack into the repository config.
    """
    config = REPO_ROOT / ".zen" / "config.yaml"
    saved = config.read_bytes() if config.exists() else None
    yield
    if saved is not None:
        config.write_bytes(saved)
    shutil.rmtree(_STORE, ignore_errors=True)


@pytest.fixture(scope="session")
def zenml_store() -> str:
    """Path of the session's temporary ZenML config and store."""
    return _STORE


@pytest.fixture(scope="session")
def raw_frame() -> pd.DataFrame:
    from freight import contract

    return contract.read_raw_csv(DATA_FILE)


@pytest.fixture(scope="session")
def shipments(raw_frame) -> pd.DataFrame:
    from freight import cleaning

    cleaned, _ = cleaning.clean_shipments(raw_frame)
    return cleaned


def make_raw(rows: list[dict]) -> pd.DataFrame:
    """Build a raw SCMS frame of strings from partial rows.

    Unspecified columns get plausible values; IDs default to 1, 2, ….
    """
    from freight import contract as c

    defaults = {
        c.SHIPMENT: "ASN-1",
        c.COUNTRY: "Kenya",
        c.FULFILL_VIA: "Direct Drop",
        c.INCO_TERM: "EXW",
        c.SHIPMENT_MODE: "Air",
        c.SCHEDULED_DATE: "2-Jun-06",
        c.PRODUCT_GROUP: "ARV",
        c.SUB_CLASSIFICATION: "Adult",
        c.VENDOR: "Vendor A",
        c.QUANTITY: "100",
        c.VALUE: "1000",
        c.PACK_PRICE: "10",
        c.MANUFACTURING_SITE: "Site A",
        c.FIRST_LINE: "Yes",
        c.WEIGHT: "50",
        c.FREIGHT: "500",
    }
    frame = []
    for index, row in enumerate(rows, start=1):
        full = {c.ID: str(index), **defaults}
        full.update({key: str(value) for key, value in row.items()})
        frame.append(full)
    return pd.DataFrame(frame, columns=list(c.REQUIRED_COLUMNS))


def run_cli(*args: str, timeout: int = 900):
    """Run `python run.py ARGS` in the repository, as a user would."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "run.py", *args],
        cwd=REPO_ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def trained_run():
    """Train once per session with the default config and bundled data."""
    result = run_cli("--pipeline", "training", "--no-cache")
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="session")
def production_version(trained_run) -> int:
    """Number of the production model version, promoting one if needed."""
    from zenml.client import Client
    from zenml.enums import ModelStages

    client = Client()
    try:
        return client.get_model_version(
            "freight_cost_model", ModelStages.PRODUCTION
        ).number
    except KeyError:
        latest = client.get_model_version(
            "freight_cost_model", ModelStages.LATEST
        )
        latest.set_stage(ModelStages.PRODUCTION, force=True)
        return latest.number


def write_batch(path, frame) -> str:
    """Write a raw frame as an SCMS CSV and return its path."""
    frame.to_csv(path, index=False)
    return str(path)
