"""Start and stop the local ZenML dashboard on 127.0.0.1.

`zenml login --local` starts a ZenML server as a background daemon that
serves the dashboard, stores its data in the local SQLite store of the
active global config and connects the client to it. `zenml logout
--local` stops the daemon and reconnects the client to that store.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from zenml.logger import get_logger

from utils.server_services import skip_onboarding_survey

logger = get_logger(__name__)

HOST = "127.0.0.1"
DEFAULT_PORT = 8237


def _zenml_command(*args: str) -> list:
    zenml = shutil.which("zenml") or os.path.join(
        os.path.dirname(sys.executable), "zenml"
    )
    return [zenml, *args]


def _env() -> dict:
    # ZenML opens a web browser on login unless
    # ZENML_AUTO_OPEN_DASHBOARD is false.
    return {**os.environ, "ZENML_AUTO_OPEN_DASHBOARD": "false"}


def start_dashboard(port: int = DEFAULT_PORT) -> str:
    """Start the local ZenML server, skip its onboarding survey, log the URL.

    Args:
        port: TCP port on 127.0.0.1 for the server and the dashboard.

    Returns:
        The dashboard URL.
    """
    subprocess.run(
        _zenml_command(
            "login", "--local", "--ip-address", HOST, "--port", str(port)
        ),
        check=True,
        env=_env(),
    )
    url = f"http://{HOST}:{port}"
    # The local server runs without authentication, so no password.
    skip_onboarding_survey(url, username="default", password=None)
    logger.info(f"ZenML dashboard: {url}")
    return url


def stop_dashboard() -> None:
    """Stop the local ZenML server and disconnect the client from it."""
    subprocess.run(
        _zenml_command("logout", "--local"), check=True, env=_env()
    )
    logger.info("Stopped the local ZenML dashboard")
