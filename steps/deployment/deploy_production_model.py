"""Deploy the production model version with the stack's model deployer."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

from zenml import get_step_context, log_metadata, step
from zenml.client import Client
from zenml.logger import get_logger

from serving.pyfunc_model import log_freight_pyfunc
from serving.seldon_manifest import SeldonServingConfig
from steps.training.train_freight_model import EXPERIMENT_TRACKER
from utils.endpoint import MODEL_NAME, stop_services
from utils.seldon_deployment import deploy_seldon

logger = get_logger(__name__)


def _deploy_mlflow(model_uri: str, timeout_s: int) -> str:
    from zenml.integrations.mlflow.services import (
        MLFlowDeploymentConfig,
        MLFlowDeploymentService,
    )

    context = get_step_context()
    deployer = Client().active_stack.model_deployer
    config = MLFlowDeploymentConfig(
        model_name=MODEL_NAME,
        model_uri=model_uri,
        pipeline_name=context.pipeline.name,
        pipeline_step_name=context.step_run.name,
        timeout=timeout_s,
    )
    _put_python_bin_on_path()
    # ZenML 0.98 ignores `replace` and returns any server of this step as
    # "the exact same configuration", stopped or serving an older model
    # version, so the step removes the old servers before it deploys.
    # NOTE: the endpoint is down from here until the new server responds.
    stopped = stop_services(timeout=timeout_s)
    if stopped:
        logger.info(f"Removed {stopped} earlier model server(s)")
    service = deployer.deploy_model(
        config=config,
        service_type=MLFlowDeploymentService.SERVICE_TYPE,
        timeout=timeout_s,
    )
    if not service.is_running or not service.prediction_url:
        state, message = service.check_status()
        raise RuntimeError(
            f"the MLflow model server {service.uuid} of {model_uri} is not "
            f"running after {timeout_s} s (state {state.value}: "
            f"{message or 'no message'}). Read its log at "
            f"{service.status.log_file}, fix the cause and run the "
            "deployment pipeline again."
        )
    return service.prediction_url


def _put_python_bin_on_path() -> None:
    """Put the running interpreter's bin directory first on PATH.

    MLflow starts the server as `bash -c "exec uvicorn ..."`, so without
    this a run of `.venv/bin/python run.py` from a shell whose PATH lacks
    `.venv/bin` starts a daemon that exits with 127 (command not found).
    """
    bin_dir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if bin_dir not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bin_dir, path])
        logger.info(f"Added {bin_dir} to PATH for the model server")


@step(experiment_tracker=EXPERIMENT_TRACKER)
def deploy_production_model(
    production_version: int,
    timeout_s: int,
    seldon: dict[str, Any] | None = None,
) -> Annotated[str, "prediction_url"]:
    """Log the production model as an MLflow pyfunc and serve it.

    The stack's model deployer flavor picks the server: `mlflow` serves
    the logged pyfunc, `seldon` serves the model artifact with the
    Dockerfile.seldon image on Kubernetes.

    Args:
        production_version: Number of the production model version.
        timeout_s: Seconds to wait for the server to respond.
        seldon: The `seldon` block of configs/deployment.yaml; required
            on a stack with the seldon model deployer.

    Returns:
        The prediction URL, or an empty string when the stack has no
        model deployer.

    Raises:
        RuntimeError: if the stack's model deployer flavor is unsupported
            or the MLflow model server is not running after the deploy.
        ValueError: if the deployer is seldon and `seldon` is missing.
    """
    client = Client()
    deployer = client.active_stack.model_deployer
    if deployer is None:
        logger.warning("The active stack has no model deployer; skipping")
        return ""
    version = client.get_model_version(MODEL_NAME, production_version)
    artifact = version.get_artifact("freight_model")
    model = artifact.load()
    label = f"{MODEL_NAME}:{version.number}"
    with tempfile.TemporaryDirectory() as directory:
        model.save(directory)
        info = log_freight_pyfunc(directory, model_version=label)

    if deployer.flavor == "mlflow":
        url = _deploy_mlflow(info.model_uri, timeout_s)
    elif deployer.flavor == "seldon":
        if not seldon:
            raise ValueError(
                "the stack's model deployer is seldon, but the step got "
                "no `seldon` settings: add parameters.deployment.seldon "
                "to the deployment config"
            )
        url = deploy_seldon(
            deployer,
            model_uri=artifact.uri,
            model_version=version.number,
            serving=SeldonServingConfig.from_mapping(seldon),
            timeout_s=timeout_s,
        )
    else:
        raise RuntimeError(
            f"model deployer flavor {deployer.flavor!r} is not supported "
            "by this step: use a stack with the mlflow or seldon deployer"
        )
    logger.info(f"Serving {label} at {url}")
    log_metadata(
        metadata={
            "prediction_url": url,
            "deployed_version": label,
            "mlflow_model_uri": info.model_uri,
            "model_deployer": deployer.flavor,
        }
    )
    return url
