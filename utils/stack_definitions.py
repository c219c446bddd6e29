"""Register ZenML stacks from the definitions in configs/stacks.yaml.

Placeholders written as ${VAR} or ${VAR:-default} are filled from the
environment, or else from the KEY=VALUE file named by the environment
variable FREIGHT_STACK_VALUES_FILE. Registration only writes to the ZenML
store: no cluster, bucket or registry is contacted.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

import yaml
from zenml.client import Client
from zenml.config import DockerSettings
from zenml.enums import StackComponentType
from zenml.logger import get_logger

logger = get_logger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
STACKS_FILE = REPO_ROOT / "configs" / "stacks.yaml"
VALUES_FILE_ENV = "FREIGHT_STACK_VALUES_FILE"

_PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")


class MissingStackValueError(KeyError):
    """A placeholder in configs/stacks.yaml has no value and no default."""


def read_values_file(path: Path) -> Dict[str, str]:
    """Read KEY=VALUE lines, skipping blank lines and # comments.

    Args:
        path: The file to read.

    Returns:
        The values by key.

    Raises:
        ValueError: If a line is not of the form KEY=VALUE.
    """
    values = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, separator, value = line.partition("=")
        if not separator:
            raise ValueError(
                f"{path}:{number}: expected KEY=VALUE, got {line!r}"
            )
        values[key.strip()] = value.strip().strip("'\"")
    return values


def stack_values() -> Dict[str, str]:
    """Collect placeholder values: the values file, then the environment.

    Returns:
        The values by variable name; the environment wins over the file.
    """
    values: Dict[str, str] = {}
    values_file = os.environ.get(VALUES_FILE_ENV)
    if values_file:
        values.update(read_values_file(Path(values_file)))
    values.update(os.environ)
    return values


def resolve_placeholders(node: Any, values: Mapping[str, str]) -> Any:
    """Replace ${VAR} and ${VAR:-default} in every string of a YAML tree.

    Args:
        node: A string, list or dict read from YAML.
        values: The placeholder values by variable name.

    Returns:
        A copy of `node` with every placeholder filled.

    Raises:
        MissingStackValueError: If a variable without a default is unset.
    """
    if isinstance(node, dict):
        return {
            key: resolve_placeholders(value, values)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [resolve_placeholders(value, values) for value in node]
    if not isinstance(node, str):
        return node

    def substitute(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        if values.get(name):
            return values[name]
        if default is not None:
            return default
        raise MissingStackValueError(
            f"{name} is not set: export it or add it to the file named by "
            f"{VALUES_FILE_ENV}"
        )

    return _PLACEHOLDER.sub(substitute, node)


def load_stack_definition(
    key: str,
    values: Optional[Mapping[str, str]] = None,
    stacks_file: Path = STACKS_FILE,
) -> Dict[str, Any]:
    """Load one stack definition with its placeholders filled.

    Args:
        key: The stack key in the file: local, server or kubernetes.
        values: Placeholder values; defaults to `stack_values()`.
        stacks_file: The YAML file with the definitions.

    Returns:
        The definition with keys name, components, and optionally secrets
        and docker.

    Raises:
        KeyError: If the file defines no stack under `key`.
    """
    stacks = yaml.safe_load(stacks_file.read_text())["stacks"]
    if key not in stacks:
        raise KeyError(
            f"Unknown stack '{key}'; {stacks_file} defines "
            f"{', '.join(sorted(stacks))}"
        )
    if values is None:
        values = stack_values()
    return resolve_placeholders(stacks[key], values)


def docker_settings(definition: Mapping[str, Any]) -> Optional[DockerSettings]:
    """Build the DockerSettings of a stack definition.

    Args:
        definition: A definition from `load_stack_definition`.

    Returns:
        The settings, or None for stacks that build no images.
    """
    docker = definition.get("docker")
    if not docker:
        return None
    settings = dict(docker)
    requirements = settings.get("requirements")
    if isinstance(requirements, str):
        settings["requirements"] = str(REPO_ROOT / requirements)
    return DockerSettings(**settings)


def _ensure_secret(
    client: Client, name: str, values: Dict[str, str]
) -> None:
    try:
        secret = client.get_secret(name)
    except KeyError:
        client.create_secret(name=name, values=values)
        logger.info(f"Registered secret '{name}'")
        return
    if secret.secret_values != values:
        client.update_secret(name, add_or_update_values=values)
        logger.info(f"Updated secret '{name}'")


def _ensure_component(
    client: Client,
    component_type: StackComponentType,
    spec: Mapping[str, Any],
) -> None:
    name, flavor = spec["name"], spec["flavor"]
    configuration = spec.get("configuration") or {}
    existing = client.list_stack_components(
        type=component_type, name=name, size=1
    )
    if not existing.total:
        client.create_stack_component(
            name=name,
            flavor=flavor,
            component_type=component_type,
            configuration=configuration,
        )
        logger.info(f"Registered {component_type.value} '{name}' ({flavor})")
        return

    component = existing.items[0]
    if component.flavor_name != flavor:
        raise ValueError(
            f"{component_type.value} '{name}' exists with flavor "
            f"'{component.flavor_name}', but configs/stacks.yaml asks for "
            f"'{flavor}': rename one of them"
        )
    stored = component.configuration
    changed = {
        key: value
        for key, value in configuration.items()
        if stored.get(key) != value
    }
    if changed:
        client.update_stack_component(
            name_id_or_prefix=component.id,
            component_type=component_type,
            configuration=changed,
        )
        logger.info(
            f"Updated {component_type.value} '{name}': "
            f"{', '.join(sorted(changed))}"
        )


def register_stack(key: str, client: Optional[Client] = None) -> str:
    """Register a stack and its components and secrets when missing.

    Components that exist get the configuration from the file, so a
    changed bucket or URI takes effect on the next run.

    Args:
        key: The stack key in configs/stacks.yaml.
        client: The ZenML client; defaults to `Client()`.

    Returns:
        The ZenML name of the stack.
    """
    client = client or Client()
    definition = load_stack_definition(key)

    for secret_name, values in (definition.get("secrets") or {}).items():
        _ensure_secret(client, secret_name, values)

    components = {}
    for type_name, spec in definition["components"].items():
        component_type = StackComponentType(type_name)
        _ensure_component(client, component_type, spec)
        components[component_type] = spec["name"]

    stack_name = definition["name"]
    existing = client.list_stacks(name=stack_name, size=1)
    if not existing.total:
        client.create_stack(name=stack_name, components=components)
        logger.info(f"Registered stack '{stack_name}'")
    else:
        stored = {
            component_type: component_list[0].name
            for component_type, component_list in existing.items[
                0
            ].components.items()
        }
        if stored != components:
            client.update_stack(
                name_id_or_prefix=existing.items[0].id,
                component_updates=components,
            )
            logger.info(f"Updated the components of stack '{stack_name}'")
    return stack_name


def ensure_stack(key: str) -> str:
    """Register a stack from configs/stacks.yaml when missing, activate it.

    For the `server` stack the client is first connected to the ZenML
    server started by scripts/server_stack.sh.

    Args:
        key: The stack key in configs/stacks.yaml.

    Returns:
        The ZenML name of the active stack.
    """
    if key == "server":
        from utils.server_services import (
            ServerSettings,
            connect_zenml_client,
        )

        connect_zenml_client(ServerSettings.from_env())

    client = Client()
    stack_name = register_stack(key, client)
    if client.active_stack_model.name != stack_name:
        client.activate_stack(stack_name)
        logger.info(f"Activated stack '{stack_name}'")
    return stack_name


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2:
        logger.error("Usage: python -m utils.stack_definitions STACK_KEY")
        sys.exit(2)
    ensure_stack(sys.argv[1])
