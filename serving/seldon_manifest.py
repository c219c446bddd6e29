"""Build the SeldonDeployment that serves FreightModel on Kubernetes.

The manifest runs the image of Dockerfile.seldon, whose command starts
`serving.seldon_model.FreightSeldonModel` with Seldon Core's Python
wrapper on port 9000. An init container (Seldon's rclone storage
initializer) copies the model artifact, a directory written by
`FreightModel.save`, from the artifact store into an emptyDir volume at
/mnt/models, the directory that FREIGHT_MODEL_DIR names in the image.

The module imports neither ZenML nor the Kubernetes client, so the
manifest can be built and checked offline. It uses only the fields that
ZenML 0.98's `SeldonDeployment` model keeps, because ZenML's Seldon
client drops every other field before it sends the manifest. The one
exception is `metadata.namespace`: the client sends the namespace in
the request path instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

API_VERSION = "machinelearning.seldon.io/v1"
KIND = "SeldonDeployment"
# Seldon runs the graph node in the container of the same name.
CONTAINER_NAME = "freight"
INITIALIZER_NAME = "freight-model-initializer"
MODEL_VOLUME = "freight-model"
# Dockerfile.seldon sets FREIGHT_MODEL_DIR to this directory and starts
# the microservice with --http-port 9000.
MODEL_MOUNT_PATH = "/mnt/models"
HTTP_PORT = 9000
MODEL_DIR_ENV = "FREIGHT_MODEL_DIR"
MODEL_VERSION_ENV = "FREIGHT_MODEL_VERSION"
MODEL_NAME_LABEL = "model_name"
MODEL_VERSION_LABEL = "model_version"

_RESOURCE_KINDS = ("requests", "limits")


@dataclass(frozen=True)
class SeldonServingConfig:
    """Settings of the Seldon Core deployment, from configs/deployment.yaml.

    Attributes:
        image_name: Repository name of the Dockerfile.seldon image inside
            the stack's container registry.
        image_tag: Tag of that image.
        storage_initializer_image: Image of the init container that
            copies the model from the artifact store.
        replicas: Number of serving pods.
        resources: Kubernetes `requests` and `limits` of the serving
            container, e.g. {"requests": {"cpu": "250m"}}.
    """

    image_name: str
    image_tag: str
    storage_initializer_image: str
    replicas: int = 1
    resources: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> SeldonServingConfig:
        """Validate the `seldon` block of the deployment config.

        Args:
            values: The block as read from YAML.

        Returns:
            The validated settings, with resource quantities as strings.

        Raises:
            ValueError: If a key is missing or unknown, the replica count
                is not a positive integer, or a resource kind is not
                `requests` or `limits`.
        """
        required = {"image_name", "image_tag", "storage_initializer_image"}
        allowed = required | {"replicas", "resources"}
        missing = sorted(required - set(values))
        unknown = sorted(set(values) - allowed)
        if missing or unknown:
            raise ValueError(
                f"invalid seldon deployment settings: missing {missing}, "
                f"unknown {unknown}; expected keys {sorted(allowed)}"
            )

        replicas = values.get("replicas", 1)
        if isinstance(replicas, bool) or not isinstance(replicas, int):
            raise ValueError(
                f"seldon replicas must be an integer: {replicas!r}"
            )
        if replicas < 1:
            raise ValueError(
                f"seldon replicas must be at least 1: {replicas}"
            )

        resources = values.get("resources") or {}
        bad_kinds = sorted(set(resources) - set(_RESOURCE_KINDS))
        if bad_kinds:
            raise ValueError(
                f"seldon resources accept {list(_RESOURCE_KINDS)}, "
                f"got {bad_kinds}"
            )
        # YAML reads `cpu: 1` as an integer; Kubernetes wants quantities
        # as strings.
        quantities = {
            kind: {name: str(amount) for name, amount in amounts.items()}
            for kind, amounts in resources.items()
        }
        return cls(
            image_name=str(values["image_name"]),
            image_tag=str(values["image_tag"]),
            storage_initializer_image=str(values["storage_initializer_image"]),
            replicas=replicas,
            resources=quantities,
        )

    def image(self, registry_uri: str) -> str:
        """Return the full image reference inside a container registry.

        Args:
            registry_uri: URI of the stack's container registry, e.g.
                registry.example.com/freight.

        Returns:
            The reference REGISTRY/IMAGE_NAME:IMAGE_TAG.
        """
        return f"{registry_uri.rstrip('/')}/{self.image_name}:{self.image_tag}"


def deployment_name(model_name: str) -> str:
    """Turn a model name into a Kubernetes object name (RFC 1123 label).

    The name does not contain the version, so deploying a new version
    updates the same SeldonDeployment and keeps its prediction URL.

    Args:
        model_name: The ZenML model name, e.g. freight_cost_model.

    Returns:
        Lower-case letters, digits and dashes, at most 63 characters.

    Raises:
        ValueError: If no letter or digit remains.
    """
    name = re.sub(r"[^a-z0-9]+", "-", model_name.lower())[:63].strip("-")
    if not name:
        raise ValueError(f"model name {model_name!r} gives an empty name")
    return name


def _initializer(
    model_uri: str, image: str, secret_name: str | None
) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": INITIALIZER_NAME,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "args": [model_uri, MODEL_MOUNT_PATH],
        "volumeMounts": [
            {"name": MODEL_VOLUME, "mountPath": MODEL_MOUNT_PATH}
        ],
    }
    if secret_name:
        # The rclone initializer reads the bucket credentials from
        # RCLONE_CONFIG_* variables stored in this secret.
        container["envFrom"] = [
            {"secretRef": {"name": secret_name, "optional": False}}
        ]
    return container


def _serving_container(
    image: str, model_label: str, resources: dict[str, dict[str, str]]
) -> dict[str, Any]:
    return {
        "name": CONTAINER_NAME,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "env": [
            {"name": MODEL_DIR_ENV, "value": MODEL_MOUNT_PATH},
            {"name": MODEL_VERSION_ENV, "value": model_label},
        ],
        "ports": [
            {"name": "http", "containerPort": HTTP_PORT, "protocol": "TCP"}
        ],
        "resources": {
            kind: dict(amounts) for kind, amounts in resources.items()
        },
        "volumeMounts": [
            {
                "name": MODEL_VOLUME,
                "mountPath": MODEL_MOUNT_PATH,
                "readOnly": True,
            }
        ],
    }


def build_seldon_deployment(
    *,
    namespace: str,
    image: str,
    model_uri: str,
    model_name: str,
    model_version: int,
    serving: SeldonServingConfig,
    secret_name: str | None = None,
) -> dict[str, Any]:
    """Build the SeldonDeployment for one version of FreightModel.

    Args:
        namespace: Kubernetes namespace of the deployment.
        image: Full reference of the Dockerfile.seldon image.
        model_uri: Artifact store URI of the model directory, e.g.
            s3://bucket/zenml/freight_model/<id>.
        model_name: ZenML model name.
        model_version: ZenML model version number.
        serving: Replicas, resources and initializer image.
        secret_name: Kubernetes secret with the initializer's bucket
            credentials, or None when the pod's service account grants
            access to the bucket.

    Returns:
        The manifest as a JSON-compatible dict.
    """
    name = deployment_name(model_name)
    model_label = f"{model_name}:{model_version}"
    labels = {
        MODEL_NAME_LABEL: model_name,
        MODEL_VERSION_LABEL: str(model_version),
    }
    pod_spec = {
        "initContainers": [
            _initializer(
                model_uri, serving.storage_initializer_image, secret_name
            )
        ],
        "containers": [
            _serving_container(image, model_label, serving.resources)
        ],
        "volumes": [{"name": MODEL_VOLUME, "emptyDir": {}}],
    }
    predictor = {
        "name": "default",
        "replicas": serving.replicas,
        "graph": {"name": CONTAINER_NAME, "type": "MODEL"},
        # Resources of Seldon's executor container, left to the defaults.
        "engineResources": {"limits": {}, "requests": {}},
        "componentSpecs": [{"spec": pod_spec}],
    }
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": labels,
            "annotations": {},
        },
        "spec": {
            "name": name,
            "predictors": [predictor],
            "replicas": serving.replicas,
        },
    }
