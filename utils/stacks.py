"""Register and activate the project's ZenML stacks.

Registration is idempotent: a component or stack that already exists
under the project's name is reused, so a fresh clone and a rerun both
end with the same active stack.
"""

from __future__ import annotations

import os
from pathlib import Path

from zenml.client import Client
from zenml.enums import StackComponentType
from zenml.logger import get_logger

logger = get_logger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]

# component type -> (component name, flavor, configuration)
LOCAL_COMPONENTS = {
    StackComponentType.ORCHESTRATOR: ("default", "local", {}),
    StackComponentType.ARTIFACT_STORE: ("default", "local", {}),
    StackComponentType.EXPERIMENT_TRACKER: (
        "freight_mlflow_tracker",
        "mlflow",
        {},
    ),
    StackComponentType.MODEL_DEPLOYER: (
        "freight_mlflow_deployer",
        "mlflow",
        {},
    ),
    StackComponentType.DATA_VALIDATOR: ("freight_evidently", "evidently", {}),
}
LOCAL_STACK = "freight_local"


def ensure_repository() -> None:
    """Create the ZenML repository at the project root if it is missing.

    Nothing is created when ZENML_REPOSITORY_PATH is set, because ZenML
    then reads only the repository that the variable names.
    """
    if os.environ.get("ZENML_REPOSITORY_PATH"):
        return
    if not (REPO_ROOT / ".zen").exists():
        Client.initialize(root=REPO_ROOT)
        logger.info(f"Initialized ZenML repository at {REPO_ROOT}")


def _ensure_component(
    client: Client,
    component_type: StackComponentType,
    name: str,
    flavor: str,
    configuration: dict,
) -> None:
    existing = client.list_stack_components(
        type=component_type, name=name, size=1
    )
    if existing.total:
        return
    client.create_stack_component(
        name=name,
        flavor=flavor,
        component_type=component_type,
        configuration=configuration,
    )
    logger.info(f"Registered {component_type.value} '{name}' ({flavor})")


def ensure_local_stack() -> str:
    """Register the local stack when missing and return its name.

    The local stack is activated when it is new or when ZenML's own
    `default` stack is active. Any other active stack stays active.
    """
    ensure_repository()
    client = Client()
    for component_type, (name, flavor, config) in LOCAL_COMPONENTS.items():
        _ensure_component(client, component_type, name, flavor, config)
    is_new = not client.list_stacks(name=LOCAL_STACK, size=1).total
    if is_new:
        client.create_stack(
            name=LOCAL_STACK,
            components={
                component_type: name
                for component_type, (name, _, _) in LOCAL_COMPONENTS.items()
            },
        )
        logger.info(f"Registered stack '{LOCAL_STACK}'")
    active = client.active_stack_model.name
    if active != LOCAL_STACK and (is_new or active == "default"):
        client.activate_stack(LOCAL_STACK)
        logger.info(f"Activated stack '{LOCAL_STACK}'")
    return LOCAL_STACK


def ensure_stack(name: str) -> str:
    """Register the stack `name` when missing, activate it, return its name.

    `local` is the stack above; `server` and `kubernetes` come from
    configs/stacks.yaml (see utils/stack_definitions.py).

    Args:
        name: local, server or kubernetes.

    Returns:
        The ZenML name of the active stack.
    """
    from utils.stack_definitions import ensure_stack as ensure_defined_stack

    if name == "local":
        stack_name = ensure_local_stack()
        client = Client()
        if client.active_stack_model.name != stack_name:
            client.activate_stack(stack_name)
            logger.info(f"Activated stack '{stack_name}'")
        return stack_name
    ensure_repository()
    return ensure_defined_stack(name)
