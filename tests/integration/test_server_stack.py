"""The `server` stack: MariaDB, a ZenML server and an MLflow server.

Starts the three services on their own ports and state directory, so a
developer's running server stack is left alone. In a temporary client
config, `python run.py --stack server` registers and activates the stack
from configs/stacks.yaml and runs the training pipeline on the bundled
data with few CatBoost iterations. The run, its model version and its
MLflow run are then read back from the servers over HTTP, and every
service is stopped at the end. Needs the packages from
scripts/install_system_deps.sh.
"""

import shutil
import socket
import subprocess

import pytest
import requests

from tests.integration.conftest import (
    MODEL_NAME,
    TRAINING_STEPS,
    run_cli,
    run_training,
    write_fast_config,
)
from utils import server_services
from utils.server_services import ServerSettings

pytestmark = pytest.mark.skipif(
    shutil.which("mariadbd", path="/usr/sbin:/usr/bin") is None,
    reason="MariaDB is missing: run scripts/install_system_deps.sh",
)


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


def test_server_stack_runs_training(server_settings, server_env, tmp_path):
    settings = server_settings
    stack = run_cli(server_env, "--stack", "server")
    assert "Active stack: freight_server" in stack.stdout

    config = write_fast_config(tmp_path)
    summary = run_training(server_env, config, "--stack", "server")
    assert summary["model"] == MODEL_NAME

    session = _admin_session(settings)
    api = f"{settings.zenml_url}/api/v1"
    runs = session.get(
        f"{api}/runs", params={"name": summary["run"]}, timeout=30
    ).json()["items"]
    assert len(runs) == 1
    run_id = runs[0]["id"]
    run = session.get(
        f"{api}/runs/{run_id}", params={"hydrate": True}, timeout=30
    ).json()
    assert run["body"]["status"] == "completed"
    assert run["resources"]["stack"]["name"] == "freight_server"
    steps = session.get(
        f"{api}/steps",
        params={"pipeline_run_id": run_id, "size": 50},
        timeout=30,
    ).json()["items"]
    statuses = {step["name"]: step["body"]["status"] for step in steps}
    assert statuses == {name: "completed" for name in TRAINING_STEPS}

    # The run's model version carries the test metrics as metadata.
    versions = session.get(
        f"{api}/model_versions",
        params={"model": MODEL_NAME, "name": summary["version"]},
        timeout=30,
    ).json()["items"]
    assert len(versions) == 1
    version = session.get(
        f"{api}/model_versions/{versions[0]['id']}",
        params={"hydrate": True},
        timeout=30,
    ).json()
    assert version["id"] == run["resources"]["model_version"]["id"]
    metadata = version["metadata"]["run_metadata"]
    test_mae = metadata["test_mae"]
    assert test_mae > 0

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

    # The training and evaluation steps logged to the MLflow server, in
    # one MLflow run named after the pipeline run.
    mlflow_api = f"{settings.mlflow_url}/api/2.0/mlflow"
    experiment = requests.get(
        f"{mlflow_api}/experiments/get-by-name",
        params={"experiment_name": "training_pipeline"},
        timeout=30,
    )
    assert experiment.status_code == 200, experiment.text
    experiment_id = experiment.json()["experiment"]["experiment_id"]
    search = requests.post(
        f"{mlflow_api}/runs/search",
        json={
            "experiment_ids": [experiment_id],
            "filter": f"tags.mlflow.runName = '{summary['run']}'",
        },
        timeout=30,
    )
    assert search.status_code == 200, search.text
    mlflow_runs = search.json()["runs"]
    assert len(mlflow_runs) == 1
    data = mlflow_runs[0]["data"]
    params = {item["key"]: item["value"] for item in data["params"]}
    metrics = {item["key"]: item["value"] for item in data["metrics"]}
    assert params["iterations"] == "60"
    assert params["quantile_iterations"] == "60"
    assert metrics["test_mae"] == pytest.approx(test_mae)
    assert metrics["train_shipments"] > 0


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
