"""Run the deploy step on a stack with the Seldon deployer, no cluster.

test_seldon_manifest.py runs this module as a subprocess with a
temporary ZenML store, the fake FREIGHT_K8S_* values and a kubeconfig
whose only cluster is on 127.0.0.1. The module registers the
`kubernetes` stack and builds a stack from its Seldon deployer, container
registry and image builder with the local orchestrator, artifact store
and MLflow tracker. It trains a small model into a model version, then
runs `deploy_production_model` in a pipeline.

A mock replaces the Kubernetes cluster: the methods of the
Kubernetes client's CustomObjectsApi and CoreV1Api that ZenML's
SeldonClient calls are patched to store objects in memory, so no request
leaves the process. The last line of output is JSON with the recorded
API calls and the step's prediction URL.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any
from unittest import mock

import yaml
from kubernetes import client as k8s_client
from zenml import ArtifactConfig, Model, pipeline, step
from zenml.client import Client
from zenml.enums import StackComponentType

import materializers  # noqa: F401  (registers FreightModelMaterializer)
from freight.model import FreightModel
from tests.serving_model import train_small_model
from utils.stack_definitions import REPO_ROOT, register_stack

STACK_NAME = "freight_seldon_rehearsal"
MODEL_NAME = "freight_cost_model"
SELDON_SECRET_VALUES = {
    "rclone_config_s3_type": "s3",
    "rclone_config_s3_provider": "aws",
    "rclone_config_s3_access_key_id": "fake-key-id",
    "rclone_config_s3_secret_access_key": "fake-secret-key",
}


class FakeCluster:
    """In-memory SeldonDeployments and secrets, with a log of API calls."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.deployments: dict[str, dict[str, Any]] = {}

    def get_custom_object(self, **kwargs):
        self.calls.append({"method": "get", **_plain(kwargs)})
        body = self.deployments.get(kwargs["name"])
        if body is None:
            raise k8s_client.rest.ApiException(status=404)
        available = {
            "state": "Available",
            "replicas": 1,
            "conditions": [{"type": "Ready", "status": True}],
        }
        return {**body, "status": available}

    def create_custom_object(self, **kwargs):
        self.calls.append({"method": "create", **_plain(kwargs)})
        body = kwargs["body"]
        self.deployments[body["metadata"]["name"]] = body
        return body

    def patch_custom_object(self, **kwargs):
        self.calls.append({"method": "patch", **_plain(kwargs)})
        self.deployments[kwargs["name"]] = kwargs["body"]
        return kwargs["body"]

    def read_secret(self, **kwargs):
        self.calls.append({"method": "read_secret", **_plain(kwargs)})
        raise k8s_client.rest.ApiException(status=404)

    def create_secret(self, **kwargs):
        secret = kwargs["body"]
        self.calls.append(
            {
                "method": "create_secret",
                "namespace": kwargs["namespace"],
                "name": secret.metadata.name,
                "keys": sorted(secret.data),
            }
        )
        return secret


def _plain(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Make the keyword arguments of an API call JSON-serializable."""
    return json.loads(json.dumps(kwargs, default=str))


def register_rehearsal_stack() -> None:
    """Register the kubernetes stack, then a local stack with its deployer."""
    client = Client()
    register_stack("kubernetes", client)
    register_stack("local", client)
    client.create_secret(name="freight_seldon_s3", values=SELDON_SECRET_VALUES)
    kubernetes = client.get_stack("freight_kubernetes").components
    local = client.get_stack("freight_local").components
    types = StackComponentType
    components = {
        component_type: stack[component_type][0].name
        for stack, component_type in (
            (local, types.ORCHESTRATOR),
            (local, types.ARTIFACT_STORE),
            (local, types.EXPERIMENT_TRACKER),
            (kubernetes, types.CONTAINER_REGISTRY),
            (kubernetes, types.IMAGE_BUILDER),
            (kubernetes, types.MODEL_DEPLOYER),
        )
    }
    client.create_stack(name=STACK_NAME, components=components)
    client.activate_stack(STACK_NAME)


@step
def train_small_freight_model() -> Annotated[
    FreightModel,
    ArtifactConfig(name="freight_model", is_model_artifact=True),
]:
    """Train a small FreightModel into the pipeline's model version."""
    with tempfile.TemporaryDirectory() as directory:
        return train_small_model(Path(directory), rows=1500)


def run_pipelines() -> tuple[str, int]:
    """Seed a model version, then deploy it; return URL and version."""
    # Imported once the rehearsal stack is active, because the step
    # module reads the experiment tracker of the active stack.
    from steps.deployment.deploy_production_model import (
        deploy_production_model,
    )

    config = yaml.safe_load(
        (REPO_ROOT / "configs" / "deployment.yaml").read_text()
    )
    deployment = config["parameters"]["deployment"]

    @pipeline(enable_cache=False, model=Model(name=MODEL_NAME))
    def seed_model_version() -> None:
        train_small_freight_model()

    @pipeline(enable_cache=False)
    def deploy_with_seldon(number: int) -> None:
        deploy_production_model(
            number, timeout_s=10, seldon=deployment["seldon"]
        )

    seed_model_version()
    number = Client().get_model_version(MODEL_NAME).number
    run = deploy_with_seldon(number)
    step_run = run.steps["deploy_production_model"]
    return step_run.outputs["prediction_url"][0].load(), number


def main() -> None:
    register_rehearsal_stack()
    cluster = FakeCluster()
    patches = [
        mock.patch.object(
            k8s_client.CustomObjectsApi,
            "get_namespaced_custom_object",
            cluster.get_custom_object,
        ),
        mock.patch.object(
            k8s_client.CustomObjectsApi,
            "create_namespaced_custom_object",
            cluster.create_custom_object,
        ),
        mock.patch.object(
            k8s_client.CustomObjectsApi,
            "patch_namespaced_custom_object",
            cluster.patch_custom_object,
        ),
        mock.patch.object(
            k8s_client.CoreV1Api, "read_namespaced_secret", cluster.read_secret
        ),
        mock.patch.object(
            k8s_client.CoreV1Api,
            "create_namespaced_secret",
            cluster.create_secret,
        ),
    ]
    for patch in patches:
        patch.start()
    url, number = run_pipelines()
    model_uri = (
        Client()
        .get_model_version(MODEL_NAME, number)
        .get_artifact("freight_model")
        .uri
    )
    print(
        json.dumps(
            {
                "calls": cluster.calls,
                "prediction_url": url,
                "model_version": number,
                "model_uri": model_uri,
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
