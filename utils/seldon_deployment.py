"""Apply the freight SeldonDeployment with ZenML's Seldon Core client.

ZenML 0.98's `seldon_custom_model_deployer_step` fails before it reaches
the cluster, because it calls `.to_dict()` on the dict returned by
`create_seldon_core_custom_spec`. This module sends the manifest of
`serving.seldon_manifest` through the model deployer's `SeldonClient`
instead, so the manifest that reaches Kubernetes is the one the tests
check. The deployment is not registered as a ZenML service, so
`find_model_server` does not list it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from zenml.client import Client
from zenml.logger import get_logger

from serving.seldon_manifest import (
    SeldonServingConfig,
    build_seldon_deployment,
)
from utils.endpoint import MODEL_NAME

if TYPE_CHECKING:
    from zenml.integrations.seldon.model_deployers import (
        SeldonModelDeployer,
    )
    from zenml.integrations.seldon.seldon_client import SeldonClient

logger = get_logger(__name__)

POLL_INTERVAL_S = 5


def prediction_url(base_url: str, namespace: str, name: str) -> str:
    """Return the Seldon Core v1 prediction URL behind the ingress.

    Args:
        base_url: The ingress URL configured in the model deployer.
        namespace: Kubernetes namespace of the deployment.
        name: Name of the SeldonDeployment.

    Returns:
        BASE_URL/seldon/NAMESPACE/NAME/api/v1.0/predictions.
    """
    return (
        f"{base_url.rstrip('/')}/seldon/{namespace}/{name}"
        "/api/v1.0/predictions"
    )


def sync_initializer_secret(
    deployer: SeldonModelDeployer, client: SeldonClient
) -> str | None:
    """Copy the bucket credentials into the initializer's Kubernetes secret.

    The deployer's `secret` names a ZenML secret (seldon_s3 schema) and
    its `kubernetes_secret_name` names the Kubernetes secret that the
    storage initializer reads. With only the latter set, that secret
    must already exist in the namespace.

    Args:
        deployer: The stack's Seldon model deployer.
        client: The deployer's Seldon client.

    Returns:
        The Kubernetes secret name, or None when neither is configured
        and the pod's service account must grant access to the bucket.

    Raises:
        ValueError: If `secret` is set without `kubernetes_secret_name`.
    """
    zenml_secret = deployer.config.secret
    kubernetes_secret = deployer.config.kubernetes_secret_name
    if zenml_secret and not kubernetes_secret:
        raise ValueError(
            f"the seldon model deployer '{deployer.name}' sets secret "
            f"'{zenml_secret}' but no kubernetes_secret_name to copy it to"
        )
    if zenml_secret:
        values = Client().get_secret(zenml_secret).secret_values
        client.create_or_update_secret(kubernetes_secret, values)
        logger.info(
            f"Copied ZenML secret '{zenml_secret}' into Kubernetes secret "
            f"'{kubernetes_secret}' in namespace {client.namespace}"
        )
    return kubernetes_secret


def wait_until_available(
    client: SeldonClient, name: str, timeout_s: int
) -> None:
    """Poll the SeldonDeployment until it is available.

    Args:
        client: The deployer's Seldon client.
        name: Name of the SeldonDeployment.
        timeout_s: Seconds to wait.

    Raises:
        RuntimeError: If the deployment failed, or is still not available
            after `timeout_s` seconds.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        deployment = client.get_deployment(name=name)
        if deployment.is_available():
            return
        if deployment.is_failed():
            raise RuntimeError(
                f"SeldonDeployment {name} failed: {deployment.get_error()}"
            )
        if time.monotonic() >= deadline:
            raise RuntimeError(
                f"SeldonDeployment {name} is not available after "
                f"{timeout_s} s (state {deployment.state.value}): "
                f"{deployment.get_pending_message() or 'no message'}; "
                f"check `kubectl describe sdep {name}`"
            )
        time.sleep(POLL_INTERVAL_S)


def deploy_seldon(
    deployer: SeldonModelDeployer,
    model_uri: str,
    model_version: int,
    serving: SeldonServingConfig,
    timeout_s: int,
) -> str:
    """Create or update the SeldonDeployment of a model version.

    Args:
        deployer: The stack's Seldon model deployer.
        model_uri: Artifact store URI of the FreightModel directory.
        model_version: ZenML model version number.
        serving: Image, replicas and resources from the config.
        timeout_s: Seconds to wait for the deployment to be available.

    Returns:
        The prediction URL behind the deployer's ingress.

    Raises:
        RuntimeError: If the stack has no container registry.
    """
    from zenml.integrations.seldon.seldon_client import (
        SeldonDeployment,
        SeldonDeploymentNotFoundError,
    )

    registry = Client().active_stack.container_registry
    if registry is None:
        raise RuntimeError(
            "the seldon model deployer needs a container registry in the "
            "stack: the serving image is pulled from it"
        )
    client = deployer.seldon_client
    manifest = build_seldon_deployment(
        namespace=client.namespace,
        image=serving.image(registry.config.uri),
        model_uri=model_uri,
        model_name=MODEL_NAME,
        model_version=model_version,
        serving=serving,
        secret_name=sync_initializer_secret(deployer, client),
    )
    deployment = SeldonDeployment.model_validate(manifest)
    name = deployment.name
    try:
        client.get_deployment(name=name)
    except SeldonDeploymentNotFoundError:
        logger.info(f"Creating SeldonDeployment {name} in {client.namespace}")
        client.create_deployment(deployment)
    else:
        logger.info(f"Updating SeldonDeployment {name} in {client.namespace}")
        client.update_deployment(deployment)

    wait_until_available(client, name, timeout_s)
    return prediction_url(deployer.config.base_url, client.namespace, name)
