"""Find, query and stop the running MLflow deployment of the model."""

from __future__ import annotations

from zenml.client import Client
from zenml.logger import get_logger

logger = get_logger(__name__)

MODEL_NAME = "freight_cost_model"
DEPLOYMENT_PIPELINE = "deployment_pipeline"
DEPLOY_STEP = "deploy_production_model"


def find_services(running: bool | None = True) -> list:
    """Return the model servers the deployment pipeline started."""
    deployer = Client().active_stack.model_deployer
    if deployer is None:
        return []
    # NOTE: find_model_server's model_name filter matches nothing for the
    # MLflow deployer in ZenML 0.98, so the model name is checked here.
    services = deployer.find_model_server(
        running=running,
        pipeline_name=DEPLOYMENT_PIPELINE,
        pipeline_step_name=DEPLOY_STEP,
    )
    return [s for s in services if s.config.model_name == MODEL_NAME]


def prediction_url() -> str | None:
    """Return the prediction URL of the running deployment, if any.

    The service's `prediction_url` is used rather than the URL printed in
    the step log, which is empty with ZenML 0.98's MLflow deployer.
    """
    for service in find_services(running=True):
        if service.prediction_url:
            return service.prediction_url
    return None


def stop_services(timeout: int = 60) -> int:
    """Stop every deployment of the model; return how many were stopped."""
    services = find_services(running=None)
    deployer = Client().active_stack.model_deployer
    for service in services:
        deployer.delete_model_server(service.uuid, timeout=timeout, force=True)
        logger.info(f"Stopped and removed model server {service.uuid}")
    return len(services)
