"""The `kubernetes` stack, registered in a temporary ZenML store.

The user values come from fake FREIGHT_K8S_* environment variables. No
cluster, bucket, registry or MLflow server is contacted: registration
writes only to the temporary local store. With ZenML 0.98 the
kubernetes, s3 and seldon flavors register without their integration
packages (kubernetes, s3fs, boto3) installed, because ZenML validates a
component's configuration with the flavor's config class, which imports
none of them. The last test records whether they are installed here.
"""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from tests.integration.conftest import REPO_ROOT

FAKE_VALUES = {
    "FREIGHT_K8S_BUCKET": "freight-test-bucket",
    "FREIGHT_K8S_REGISTRY_URI": "registry.invalid/freight",
    "FREIGHT_K8S_CONTEXT": "freight-test-context",
    "FREIGHT_K8S_NAMESPACE": "freight-test",
    "FREIGHT_K8S_MLFLOW_TRACKING_URI": "https://mlflow.invalid",
    "FREIGHT_K8S_MLFLOW_USERNAME": "freight-user",
    "FREIGHT_K8S_MLFLOW_PASSWORD": "freight-password",
    "FREIGHT_K8S_SELDON_INGRESS": "http://seldon.invalid",
}

DUMP_STACK = """
import json
from zenml.client import Client
from utils.stack_definitions import docker_settings, load_stack_definition

client = Client()
stack = client.get_stack("freight_kubernetes")
components = {
    component_type.value: {
        "name": component_list[0].name,
        "flavor": component_list[0].flavor_name,
        "configuration": component_list[0].configuration,
    }
    for component_type, component_list in stack.components.items()
}
secret = client.get_secret("freight_mlflow_remote").secret_values
settings = docker_settings(load_stack_definition("kubernetes"))
print(json.dumps({
    "active_stack": client.active_stack_model.name,
    "components": components,
    "secret": secret,
    "docker": settings.model_dump(mode="json"),
}))
"""


def _run(command, env):
    result = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def registered_stack(tmp_path_factory):
    """Register the stack once per module in a temporary ZenML store."""
    root = tmp_path_factory.mktemp("kubernetes")
    (root / "repository").mkdir()
    env = {
        **os.environ,
        **FAKE_VALUES,
        "ZENML_ANALYTICS_OPT_IN": "false",
        "ZENML_CONFIG_PATH": str(root / "zenml-config"),
        "ZENML_REPOSITORY_PATH": str(root / "repository"),
    }
    _run([sys.executable, "-m", "utils.stack_definitions", "kubernetes"], env)
    output = _run([sys.executable, "-c", DUMP_STACK], env)
    return json.loads(output.strip().splitlines()[-1])


def test_kubernetes_stack_components(registered_stack):
    components = registered_stack["components"]

    assert registered_stack["active_stack"] == "freight_kubernetes"
    assert {
        component_type: component["flavor"]
        for component_type, component in components.items()
    } == {
        "orchestrator": "kubernetes",
        "artifact_store": "s3",
        "container_registry": "default",
        "image_builder": "kaniko",
        "experiment_tracker": "mlflow",
        "model_registry": "mlflow",
        "model_deployer": "seldon",
        "data_validator": "evidently",
    }


def test_kubernetes_stack_user_values(registered_stack):
    components = registered_stack["components"]
    orchestrator = components["orchestrator"]["configuration"]
    deployer = components["model_deployer"]["configuration"]
    tracker = components["experiment_tracker"]["configuration"]

    assert orchestrator["kubernetes_context"] == "freight-test-context"
    assert orchestrator["kubernetes_namespace"] == "freight-test"
    assert (
        components["artifact_store"]["configuration"]["path"]
        == "s3://freight-test-bucket/zenml"
    )
    assert (
        components["container_registry"]["configuration"]["uri"]
        == "registry.invalid/freight"
    )
    assert deployer["base_url"] == "http://seldon.invalid"
    assert deployer["kubernetes_namespace"] == "freight-test"
    assert tracker["tracking_uri"] == "https://mlflow.invalid"


def test_kubernetes_stack_keeps_secrets_out(registered_stack):
    tracker = registered_stack["components"]["experiment_tracker"]

    # The component stores references, the secret stores the values.
    assert tracker["configuration"]["tracking_password"] == (
        "{{freight_mlflow_remote.password}}"
    )
    assert registered_stack["secret"] == {
        "username": "freight-user",
        "password": "freight-password",
    }


def test_kubernetes_stack_docker_settings(registered_stack):
    docker = registered_stack["docker"]

    assert docker["parent_image"] == (
        "registry.invalid/freight/freight:latest"
    )
    assert docker["requirements"] == str(REPO_ROOT / "requirements.txt")
    assert docker["install_stack_requirements"] is False
    assert "seldon" not in docker["required_integrations"]
    assert "kubernetes" in docker["required_integrations"]


def test_kubernetes_stack_missing_value(zenml_env):
    env = {**zenml_env, **FAKE_VALUES}
    del env["FREIGHT_K8S_BUCKET"]
    result = subprocess.run(
        [sys.executable, "-m", "utils.stack_definitions", "kubernetes"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode != 0
    assert "FREIGHT_K8S_BUCKET is not set" in result.stderr


def test_kubernetes_integration_packages_not_needed():
    # Registration above ran in this environment; this records which of
    # the integration packages it had, so a change in the environment
    # shows up here.
    installed = {
        name: importlib.util.find_spec(name) is not None
        for name in ("kubernetes", "s3fs", "boto3")
    }
    if any(installed.values()):
        pytest.skip(f"Some integration packages are installed: {installed}")
    assert installed == {"kubernetes": False, "s3fs": False, "boto3": False}
