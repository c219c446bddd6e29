"""The local ZenML dashboard renders a training run and its PNG chart.

Starts the dashboard with utils.dashboard in a temporary ZenML config,
runs the training pipeline through run.py on the bundled data with few
CatBoost iterations, and opens the run page in Debian's headless
Chromium through Playwright. Chromium sends every request for a host
other than 127.0.0.1 to a closed local port, so the page loads nothing
from outside. Saves the final view to docs/dashboard.png and stops the
dashboard with `run.py --dashboard-stop`.
"""

import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from PIL import Image

from tests.integration.conftest import (
    REPO_ROOT,
    TRAINING_STEPS,
    run_cli,
    run_training,
    write_fast_config,
)

CHROMIUM = "/usr/bin/chromium"
PORT = 8247
URL = f"http://127.0.0.1:{PORT}"
SCREENSHOT = REPO_ROOT / "docs" / "dashboard.png"

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Port 9 (discard) has no listener, so proxied requests fail at once.
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=127.0.0.1",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None,
    reason="Chromium is missing: run scripts/install_system_deps.sh",
)


def _start_dashboard(env):
    # run.py --dashboard has no port option, and the test keeps its own.
    code = (
        "from utils.dashboard import start_dashboard; "
        f"start_dashboard({PORT})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _api_get(path, **params):
    # The local server runs without authentication.
    response = requests.get(f"{URL}/api/v1{path}", params=params, timeout=30)
    response.raise_for_status()
    return response.json()


def _stored_png_size(run_id, step_name, artifact_name):
    steps = _api_get("/steps", pipeline_run_id=run_id, name=step_name)
    step = _api_get(f"/steps/{steps['items'][0]['id']}", hydrate=True)
    artifact = step["resources"]["outputs"][artifact_name][0]
    with Image.open(Path(artifact["body"]["uri"]) / "image.png") as image:
        return list(image.size)


@pytest.fixture
def dashboard(zenml_env):
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", PORT)) == 0:
            pytest.skip(f"Port {PORT} is already in use on 127.0.0.1")
    try:
        _start_dashboard(zenml_env)
        yield zenml_env
    finally:
        stopped = run_cli(zenml_env, "--dashboard-stop")
        assert "Stopped the ZenML dashboard" in stopped.stdout


def test_dashboard_shows_training_run(dashboard, tmp_path):
    summary = run_training(dashboard, write_fast_config(tmp_path))
    runs = _api_get("/runs", name=summary["run"])["items"]
    assert len(runs) == 1
    run_id = runs[0]["id"]
    assert runs[0]["body"]["status"] == "completed"
    user = _api_get("/current-user")
    assert user["body"]["email_opted_in"] is False
    chart_size = _stored_png_size(
        run_id, "evaluate_freight_model", "predicted_vs_actual"
    )

    with playwright.sync_playwright() as browser_driver:
        context = browser_driver.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            page = context.new_page()
            page.goto(f"{URL}/projects/default/runs/{run_id}")

            # The DAG shows every training step and the chart artifact.
            nodes = page.locator(".react-flow__node")
            for name in TRAINING_STEPS:
                nodes.filter(has_text=name).first.wait_for(timeout=90_000)
            chart_node = nodes.filter(has_text="predicted_vs_actual")
            assert chart_node.count() == 1

            # The artifact sheet renders the PNG that the evaluation step
            # stored, at its stored size.
            chart_node.click()
            page.get_by_role(
                "tab", name=re.compile("Visualization")
            ).last.click()
            page.get_by_role("button", name="Load Preview").click()
            image = page.locator("img[src^='data:image/png']")
            image.first.wait_for(timeout=60_000)
            size = image.first.evaluate(
                "img => [img.naturalWidth, img.naturalHeight]"
            )
            assert size == chart_size
            assert page.get_by_text("onboarding", exact=False).count() == 0

            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
        finally:
            context.close()
