"""Step hooks shared by the pipelines."""

from __future__ import annotations

from zenml import get_step_context
from zenml.client import Client
from zenml.logger import get_logger

logger = get_logger(__name__)


def discard_model_version(exception: BaseException) -> None:
    """Delete the model version that a failed run created.

    ZenML creates the run's model version when the run starts, so without
    this hook a run that fails in ingest would leave an empty version in
    the Model Control Plane. A version that already has a stage (for
    example production) is never deleted.
    """
    model = get_step_context().model
    version = model.model_version_id
    stage = model.stage
    if version is None or stage is not None:
        return
    logger.warning(
        f"Step failed ({type(exception).__name__}: {exception}); deleting "
        f"model version {model.name} v{model.version} ({version})"
    )
    Client().delete_model_version(version)
