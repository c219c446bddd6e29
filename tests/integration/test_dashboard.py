"""The local ZenML dashboard renders a pipeline run and a PNG artifact.

Starts the dashboard with utils.dashboard in a temporary ZenML config,
runs tiny_pipeline.py, and opens the run page in Debian's headless
Chromium through Playwright. Chromium sends every request for a host
other than 127.0.0.1 to a closed local port, so the page loads nothing
from outside. Saves the final view to docs/dashboard.png.
"""

import re
import shutil
import socket
import subprocess
import sys

import pytest
import requests

from tests.integration.conftest import REPO_ROOT, run_tiny_pipeline

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


def _run_dashboard_command(env, function, *args):
    code = f"from utils.dashboard import {function}; {function}(*{args!r})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def dashboard(zenml_env):
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", PORT)) == 0:
            pytest.skip(f"Port {PORT} is already in use on 127.0.0.1")
    try:
        _run_dashboard_command(zenml_env, "start_dashboard", PORT)
        yield zenml_env
    finally:
        _run_dashboard_command(zenml_env, "stop_dashboard")


def test_dashboard_shows_run_and_png(dashboard, tmp_path):
    run_id = run_tiny_pipeline(dashboard)
    user = requests.get(f"{URL}/api/v1/current-user", timeout=30).json()
    assert user["body"]["email_opted_in"] is False

    with playwright.sync_playwright() as browser_driver:
        context = browser_driver.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport={"width": 1400, "height": 900},
        )
        try:
            page = context.new_page()
            page.goto(f"{URL}/projects/default/runs/{run_id}")

            # The DAG shows both steps and both output artifacts.
            nodes = page.locator(".react-flow__node")
            for name in ("count_shipments", "draw_bar_chart"):
                nodes.filter(has_text=name).first.wait_for(timeout=60_000)
            assert nodes.filter(has_text="shipment_count").count() == 1
            chart_node = nodes.filter(has_text="bar_chart").filter(
                has_text="Image"
            )
            assert chart_node.count() == 1

            # The artifact sheet renders the PNG that draw_bar_chart made.
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
            assert size == [240, 160]
            assert page.get_by_text("onboarding", exact=False).count() == 0

            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
        finally:
            context.close()
