"""The `server` stack: MariaDB, a ZenML server and an MLflow server.

Starts the three services on their own ports and state directory, so a
developer's running server stack is left alone, registers the `server`
stack from configs/stacks.yaml in a temporary client config, runs a tiny
pipeline on it and stops every service at the end. Needs the packages
from scripts/install_system_deps.sh; it takes about two minutes on two
cores.
"""

import shutil
import socket
import subprocess
import sys

import pytest
import requests

from tests.integration.conftest import REPO_ROOT, run_tiny_pipeline
from utils import server_services
from utils.server_services import ServerSettings

pytestmark = pytest.mark.skipif(
    shutil.which("mariadbd", path="/usr/sbin:/usr/bin") is None,
    reason="MariaDB is missing: run scripts/install_system_deps.sh",
)

TRACKER = "freight_mlflow_server_tracker"


def _port_open(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _admin_session(settings):
    credentials = server_services.load_credentials(settings)
    login = requests.post(
        f"{settings.zenml_url}/api/v1/login",
        data={
            "username": server_services.ZENML_ADMIN_USER,
            "password": credentials["zenml_admin_password"],
        },
        timeout=30,
    )
    login.raise_for_status()
    session = requests.Session()
    session.headers["Authorization"] = (
        f"Bearer {login.json()['access_token']}"
    )
    return session


def _register_server_stack(env):
    result = subprocess.run(
        [sys.executable, "-m", "utils.stack_definitions", "server"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def server_settings(tmp_path_factory):
    """Start the services once for the module and stop them at the end."""
    state_dir = tmp_path_factory.mktemp("server") / "state"
    settings = ServerSettings(
        state_dir=state_dir,
        mariadb_port=3417,
        zenml_port=8248,
        mlflow_port=5061,
    )
    ports = (settings.mariadb_port, settings.zenml_port, settings.mlflow_port)
    busy = [port for port in ports if _port_open(port)]
    if busy:
        pytest.skip(f"Ports already in use on 127.0.0.1: {busy}")
    try:
        server_services.start(settings)
        yield settings
    finally:
        server_services.stop(settings)


@pytest.fixture
def server_env(server_settings, zenml_env):
    """Return the `zenml_env` environment pointed at the test services."""
    settings = server_settings
    zenml_env.update(
        FREIGHT_SERVER_STATE_DIR=str(settings.state_dir),
        FREIGHT_MARIADB_PORT=str(settings.mariadb_port),
        FREIGHT_ZENML_PORT=str(settings.zenml_port),
        FREIGHT_MLFLOW_PORT=str(settings.mlflow_port),
    )
    return zenml_env


def test_server_stack_runs_pipeline(server_settings, server_env):
    settings = server_settings
    _register_server_stack(server_env)

    run_id = run_tiny_pipeline(server_env, tracker=TRACKER)

    session = _admin_session(settings)
    api = f"{settings.zenml_url}/api/v1"
    run = session.get(
        f"{api}/runs/{run_id}", params={"hydrate": True}, timeout=30
    ).json()
    assert run["body"]["status"] == "completed"
    assert run["resources"]["stack"]["name"] == "freight_server"

    # The run is stored in MariaDB, not in a SQLite file.
    count = subprocess.run(
        [
            "mariadb",
            "--no-defaults",
            f"--socket={settings.mariadb_socket}",
            "--user=root",
            "--batch",
            "--skip-column-names",
            "--execute",
            "SELECT COUNT(*) FROM zenml.pipeline_run "
            f"WHERE id = '{run_id.replace('-', '')}'",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert count.stdout.strip() == "1"

    # The step logged its metric to the MLflow server over HTTP.
    from mlflow.tracking import MlflowClient

    mlflow_client = MlflowClient(tracking_uri=settings.mlflow_url)
    experiment = mlflow_client.get_experiment_by_name("tiny_pipeline")
    assert experiment is not None
    runs = mlflow_client.search_runs([experiment.experiment_id])
    assert [r.data.metrics.get("shipment_count") for r in runs] == [3.0]


def test_server_stack_skips_onboarding(server_settings):
    session = _admin_session(server_settings)
    user = session.get(
        f"{server_settings.zenml_url}/api/v1/current-user", timeout=30
    ).json()

    assert user["body"]["email_opted_in"] is False
    metadata = user["metadata"]["user_metadata"]
    assert metadata["finished_onboarding_survey"] is True


def test_server_stack_stop_frees_ports(server_settings):
    settings = server_settings
    pids = server_services.status(settings)
    server_services.stop(settings)

    assert all(pids.values()), pids
    assert server_services.status(settings) == {
        "mariadb": None,
        "zenml": None,
        "mlflow": None,
    }
    for port in (
        settings.mariadb_port,
        settings.zenml_port,
        settings.mlflow_port,
    ):
        assert not _port_open(port), port
