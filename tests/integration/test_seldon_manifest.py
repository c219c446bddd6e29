"""The SeldonDeployment of the freight model, checked without a cluster.

The first tests build the manifest offline from configs/deployment.yaml.
The last ones run the deploy step on a stack whose model deployer is the
`freight_seldon_deployer` registered from configs/stacks.yaml (real
temporary ZenML store, real registration, real ZenML SeldonClient and
kubeconfig loading). A mock replaces the Kubernetes cluster: only
the Kubernetes client methods that SeldonClient calls are replaced, see
seldon_deploy_run.py.
"""

import json
import os
import subprocess
import sys

import pytest
import yaml

from serving.seldon_manifest import (
    SeldonServingConfig,
    build_seldon_deployment,
)
from tests.integration.conftest import REPO_ROOT
from tests.integration.test_kubernetes_stack import FAKE_VALUES

MODEL_URI = "s3://freight-test-bucket/zenml/freight_model/abc123"
IMAGE = "registry.invalid/freight/freight-seldon:latest"
KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: loopback
  cluster: {server: "https://127.0.0.1:6443"}
users:
- name: fake
  user: {token: fake-token}
contexts:
- name: freight-test-context
  context: {cluster: loopback, user: fake}
current-context: freight-test-context
"""


@pytest.fixture(scope="module")
def serving():
    config = yaml.safe_load(
        (REPO_ROOT / "configs" / "deployment.yaml").read_text()
    )
    seldon = config["parameters"]["deployment"]["seldon"]
    return SeldonServingConfig.from_mapping(seldon)


def _build(serving, secret_name):
    return build_seldon_deployment(
        namespace="freight-test",
        image=IMAGE,
        model_uri=MODEL_URI,
        model_name="freight_cost_model",
        model_version=7,
        serving=serving,
        secret_name=secret_name,
    )


@pytest.fixture(scope="module")
def manifest(serving):
    return _build(serving, "freight-seldon-init")


def _pod_spec(manifest):
    predictors = manifest["spec"]["predictors"]
    assert len(predictors) == 1
    return predictors[0]["componentSpecs"][0]["spec"]


def _container(manifest):
    containers = _pod_spec(manifest)["containers"]
    assert len(containers) == 1
    return containers[0]


def test_manifest_kind_name_namespace(manifest):
    assert manifest["apiVersion"] == "machinelearning.seldon.io/v1"
    assert manifest["kind"] == "SeldonDeployment"
    assert manifest["metadata"]["name"] == "freight-cost-model"
    assert manifest["spec"]["name"] == "freight-cost-model"
    assert manifest["metadata"]["namespace"] == "freight-test"


def test_manifest_labels(manifest):
    assert manifest["metadata"]["labels"] == {
        "model_name": "freight_cost_model",
        "model_version": "7",
    }


def test_manifest_graph_runs_custom_container(manifest):
    predictor = manifest["spec"]["predictors"][0]
    graph = predictor["graph"]

    # Seldon runs a graph node in the container of the same name, and a
    # custom image has no prepackaged `implementation`.
    assert graph == {"name": "freight", "type": "MODEL"}
    assert _container(manifest)["name"] == graph["name"]
    assert predictor["replicas"] == 1
    assert manifest["spec"]["replicas"] == 1


def test_manifest_image_and_ports(manifest):
    container = _container(manifest)

    assert container["image"] == IMAGE
    assert container["ports"] == [
        {"name": "http", "containerPort": 9000, "protocol": "TCP"}
    ]


def test_manifest_dockerfile_agrees(manifest):
    dockerfile = (REPO_ROOT / "Dockerfile.seldon").read_text()

    assert "serving.seldon_model.FreightSeldonModel" in dockerfile
    assert '"--http-port", "9000"' in dockerfile
    assert "FREIGHT_MODEL_DIR=/mnt/models" in dockerfile


def test_manifest_model_location(manifest):
    spec = _pod_spec(manifest)
    initializer = spec["initContainers"][0]
    container = _container(manifest)

    assert initializer["args"] == [MODEL_URI, "/mnt/models"]
    assert initializer["envFrom"] == [
        {"secretRef": {"name": "freight-seldon-init", "optional": False}}
    ]
    assert spec["volumes"] == [{"name": "freight-model", "emptyDir": {}}]
    assert {"name": "freight-model", "mountPath": "/mnt/models"} in (
        initializer["volumeMounts"]
    )
    assert {
        "name": "freight-model",
        "mountPath": "/mnt/models",
        "readOnly": True,
    } in container["volumeMounts"]
    assert container["env"] == [
        {"name": "FREIGHT_MODEL_DIR", "value": "/mnt/models"},
        {"name": "FREIGHT_MODEL_VERSION", "value": "freight_cost_model:7"},
    ]


def test_manifest_without_secret(serving):
    manifest = _build(serving, None)

    assert "envFrom" not in _pod_spec(manifest)["initContainers"][0]


def test_manifest_resources_from_config(manifest):
    config = yaml.safe_load(
        (REPO_ROOT / "configs" / "deployment.yaml").read_text()
    )
    resources = config["parameters"]["deployment"]["seldon"]["resources"]
    expected = {
        kind: {name: str(amount) for name, amount in amounts.items()}
        for kind, amounts in resources.items()
    }

    assert _container(manifest)["resources"] == expected
    assert set(expected) == {"requests", "limits"}


def test_manifest_survives_zenml_model(manifest):
    from zenml.integrations.seldon.seldon_client import SeldonDeployment

    dumped = SeldonDeployment.model_validate(manifest).model_dump(
        mode="json", exclude_none=True
    )
    expected = json.loads(json.dumps(manifest))
    # The client sends the namespace in the request path instead.
    del expected["metadata"]["namespace"]

    assert dumped == expected


def test_image_from_registry(serving):
    assert serving.image("registry.invalid/freight/") == IMAGE


@pytest.mark.parametrize(
    "change, message",
    [
        ({"replicas": 0}, "at least 1"),
        ({"replicas": "2"}, "must be an integer"),
        ({"resources": {"request": {"cpu": "1"}}}, "'request'"),
        ({"image_tags": "v1"}, "unknown ['image_tags']"),
    ],
)
def test_serving_config_rejects(change, message):
    values = {
        "image_name": "freight-seldon",
        "image_tag": "latest",
        "storage_initializer_image": "seldonio/rclone-storage-initializer",
        **change,
    }
    with pytest.raises(ValueError) as error:
        SeldonServingConfig.from_mapping(values)

    assert message in str(error.value)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """Run the deploy step once on the Seldon stack; return the record."""
    root = tmp_path_factory.mktemp("seldon")
    (root / "repository").mkdir()
    kubeconfig = root / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    env = {
        **os.environ,
        **FAKE_VALUES,
        "KUBECONFIG": str(kubeconfig),
        "ZENML_ANALYTICS_OPT_IN": "false",
        "ZENML_CONFIG_PATH": str(root / "zenml-config"),
        "ZENML_REPOSITORY_PATH": str(root / "repository"),
        "ZENML_ENABLE_REPO_INIT_WARNINGS": "false",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.integration.seldon_deploy_run"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, output
    return json.loads(result.stdout.strip().splitlines()[-1])


def _calls(deployed, method):
    return [call for call in deployed["calls"] if call["method"] == method]


def test_deploy_step_creates_manifest(deployed, serving):
    """A mock replaces the Kubernetes cluster."""
    from zenml.integrations.seldon.seldon_client import SeldonDeployment

    created = _calls(deployed, "create")
    assert len(created) == 1
    call = created[0]
    expected = build_seldon_deployment(
        namespace=FAKE_VALUES["FREIGHT_K8S_NAMESPACE"],
        image=serving.image(FAKE_VALUES["FREIGHT_K8S_REGISTRY_URI"]),
        model_uri=deployed["model_uri"],
        model_name="freight_cost_model",
        model_version=deployed["model_version"],
        serving=serving,
        secret_name="freight-seldon-init",
    )
    deployment = SeldonDeployment.model_validate(expected)
    # SeldonClient marks every deployment it creates as managed by ZenML.
    deployment.mark_as_managed_by_zenml()
    body = json.loads(json.dumps(deployment.model_dump(exclude_none=True)))

    assert call["namespace"] == "freight-test"
    assert call["group"] == "machinelearning.seldon.io"
    assert call["plural"] == "seldondeployments"
    assert call["body"] == body


def test_deploy_step_copies_secret(deployed):
    """A mock replaces the Kubernetes cluster."""
    secrets = _calls(deployed, "create_secret")

    assert secrets == [
        {
            "method": "create_secret",
            "namespace": "freight-test",
            "name": "freight-seldon-init",
            "keys": [
                "RCLONE_CONFIG_S3_ACCESS_KEY_ID",
                "RCLONE_CONFIG_S3_PROVIDER",
                "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY",
                "RCLONE_CONFIG_S3_TYPE",
            ],
        }
    ]


def test_deploy_step_returns_prediction_url(deployed):
    """A mock replaces the Kubernetes cluster."""
    assert deployed["prediction_url"] == (
        "http://seldon.invalid/seldon/freight-test/freight-cost-model"
        "/api/v1.0/predictions"
    )
    assert _calls(deployed, "patch") == []
