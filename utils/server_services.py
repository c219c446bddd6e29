"""Start and stop the services behind the `server` stack on one machine.

The `server` stack rehearses a team setup: a MariaDB database, a ZenML
server that stores its state in it, and an MLflow tracking server with
a model registry. Every process binds 127.0.0.1, keeps its files under
one state directory and is recorded in a PID file, so `stop` ends exactly
the processes that `start` launched.

Usage: `python -m utils.server_services start|stop|status`.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import requests
from zenml.logger import get_logger

logger = get_logger(__name__)

HOST = "127.0.0.1"
ZENML_ADMIN_USER = "default"
ZENML_DATABASE = "zenml"
ZENML_DATABASE_USER = "zenml"
STARTUP_TIMEOUT_S = 180.0
SHUTDOWN_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class ServerSettings:
    """Ports and the state directory of the server stack services.

    Attributes:
        state_dir: Directory for databases, logs, PID files and the
            generated credentials.
        mariadb_port: TCP port of MariaDB.
        zenml_port: TCP port of the ZenML server.
        mlflow_port: TCP port of the MLflow tracking server.
    """

    state_dir: Path
    mariadb_port: int
    zenml_port: int
    mlflow_port: int

    @classmethod
    def from_env(cls) -> "ServerSettings":
        """Read the settings from FREIGHT_* environment variables.

        Returns:
            The settings, with defaults for unset variables.
        """
        return cls(
            state_dir=Path(
                os.environ.get(
                    "FREIGHT_SERVER_STATE_DIR", "/tmp/freight-server-stack"
                )
            ),
            mariadb_port=int(os.environ.get("FREIGHT_MARIADB_PORT", "3407")),
            zenml_port=int(os.environ.get("FREIGHT_ZENML_PORT", "8238")),
            mlflow_port=int(os.environ.get("FREIGHT_MLFLOW_PORT", "5051")),
        )

    @property
    def zenml_url(self) -> str:
        """URL of the ZenML server."""
        return f"http://{HOST}:{self.zenml_port}"

    @property
    def mlflow_url(self) -> str:
        """URL of the MLflow tracking server."""
        return f"http://{HOST}:{self.mlflow_port}"

    @property
    def mariadb_socket(self) -> Path:
        """Unix socket of MariaDB, used for administration."""
        return self.state_dir / "mariadb" / "mysqld.sock"

    def pid_file(self, service: str) -> Path:
        """Return the PID file of a service."""
        return self.state_dir / f"{service}.pid"

    def log_file(self, service: str) -> Path:
        """Return the log file of a service."""
        return self.state_dir / f"{service}.log"


def load_credentials(settings: ServerSettings) -> Dict[str, str]:
    """Load the generated passwords, creating them on first use.

    The file is readable by its owner only. It contains the MariaDB
    password of the ZenML database user, the password of the ZenML admin
    user and the ZenML server's JWT signing key.

    Args:
        settings: The server stack settings.

    Returns:
        The credentials by key.
    """
    path = settings.state_dir / "credentials.json"
    if path.exists():
        return json.loads(path.read_text())

    settings.state_dir.mkdir(parents=True, exist_ok=True)
    credentials = {
        "mariadb_password": secrets.token_urlsafe(18),
        "zenml_admin_password": secrets.token_urlsafe(18),
        "zenml_jwt_secret": secrets.token_hex(32),
    }
    path.touch(mode=0o600)
    path.write_text(json.dumps(credentials, indent=2))
    logger.info(f"Generated server stack credentials in {path}")
    return credentials


def _read_pid(settings: ServerSettings, service: str) -> Optional[int]:
    pid_file = settings.pid_file(service)
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text().strip())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        pid_file.unlink()
        return None
    return pid


def _spawn(
    settings: ServerSettings,
    service: str,
    command: List[str],
    env: Optional[Dict[str, str]] = None,
) -> int:
    """Start a command in its own process group and record its PID."""
    log = settings.log_file(service).open("ab")
    process = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    settings.pid_file(service).write_text(str(process.pid))
    logger.info(f"Started {service} (PID {process.pid}): {command[0]}")
    return process.pid


def _wait_for(
    service: str, check, settings: ServerSettings, timeout: float
) -> None:
    """Poll `check` until it returns True or the service exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _read_pid(settings, service) is None:
            raise RuntimeError(
                f"{service} exited during startup; see "
                f"{settings.log_file(service)}"
            )
        if check():
            return
        time.sleep(1.0)
    raise TimeoutError(
        f"{service} did not become ready within {timeout:.0f} s; see "
        f"{settings.log_file(service)}"
    )


def _http_ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _mariadb_sql(settings: ServerSettings, sql: str) -> None:
    subprocess.run(
        [
            "mariadb",
            "--no-defaults",
            f"--socket={settings.mariadb_socket}",
            "--user=root",
            "--execute",
            sql,
        ],
        check=True,
        capture_output=True,
        text=True,
    )


def start_mariadb(settings: ServerSettings, password: str) -> None:
    """Initialize the data directory if needed and start MariaDB.

    Args:
        settings: The server stack settings.
        password: Password for the ZenML database user.

    Raises:
        FileNotFoundError: If MariaDB is not installed.
    """
    if _read_pid(settings, "mariadb"):
        logger.info("MariaDB is already running")
        return
    if shutil.which("mariadbd", path="/usr/sbin:/usr/bin") is None:
        raise FileNotFoundError(
            "mariadbd not found; run scripts/install_system_deps.sh"
        )

    data_dir = settings.state_dir / "mariadb" / "data"
    # MariaDB refuses to run as root unless --user names root explicitly.
    user_args = ["--user=root"] if os.geteuid() == 0 else []
    if not data_dir.exists():
        data_dir.mkdir(parents=True)
        subprocess.run(
            [
                "mariadb-install-db",
                "--no-defaults",
                f"--datadir={data_dir}",
                "--auth-root-authentication-method=socket",
                "--skip-test-db",
                *user_args,
            ],
            check=True,
            capture_output=True,
        )
        logger.info(f"Initialized MariaDB data directory {data_dir}")

    _spawn(
        settings,
        "mariadb",
        [
            "/usr/sbin/mariadbd",
            "--no-defaults",
            f"--datadir={data_dir}",
            f"--socket={settings.mariadb_socket}",
            f"--bind-address={HOST}",
            f"--port={settings.mariadb_port}",
            "--skip-name-resolve",
            f"--log-error={settings.log_file('mariadb')}",
            *user_args,
        ],
    )
    _wait_for(
        "mariadb",
        settings.mariadb_socket.exists,
        settings,
        STARTUP_TIMEOUT_S,
    )
    # MariaDB's built-in default character set is latin1, which rejects
    # the UTF-8 step source code that ZenML stores (e.g. "R²"). ZenML
    # creates its tables with the database default, so set it here.
    _mariadb_sql(
        settings,
        f"CREATE DATABASE IF NOT EXISTS {ZENML_DATABASE} "
        "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; "
        f"CREATE USER IF NOT EXISTS '{ZENML_DATABASE_USER}'@'{HOST}' "
        f"IDENTIFIED BY '{password}'; "
        f"GRANT ALL ON {ZENML_DATABASE}.* TO "
        f"'{ZENML_DATABASE_USER}'@'{HOST}';",
    )


def start_zenml_server(
    settings: ServerSettings, credentials: Dict[str, str]
) -> None:
    """Start the ZenML server with its store in MariaDB.

    Args:
        settings: The server stack settings.
        credentials: The generated credentials.
    """
    if _read_pid(settings, "zenml"):
        logger.info(f"ZenML server is already running at {settings.zenml_url}")
        return
    env = {
        "ZENML_ANALYTICS_OPT_IN": "false",
        # The server keeps its own global config apart from the client's.
        "ZENML_CONFIG_PATH": str(settings.state_dir / "zenml-server-config"),
        "ZENML_STORE_URL": (
            f"mysql://{HOST}:{settings.mariadb_port}/{ZENML_DATABASE}"
        ),
        "ZENML_STORE_USERNAME": ZENML_DATABASE_USER,
        "ZENML_STORE_PASSWORD": credentials["mariadb_password"],
        "ZENML_SERVER_AUTO_ACTIVATE": "true",
        "ZENML_DEFAULT_USER_NAME": ZENML_ADMIN_USER,
        "ZENML_DEFAULT_USER_PASSWORD": credentials["zenml_admin_password"],
        "ZENML_SERVER_JWT_SECRET_KEY": credentials["zenml_jwt_secret"],
        # The artifact store is a local directory on this machine, and the
        # dashboard reads visualizations from it through the server.
        "ZENML_SERVER_ALLOW_LOCAL_FILE_ACCESS": "true",
    }
    _spawn(
        settings,
        "zenml",
        [
            sys.executable,
            "-m",
            "uvicorn",
            "zenml.zen_server.zen_server_api:app",
            f"--host={HOST}",
            f"--port={settings.zenml_port}",
            "--workers=1",
        ],
        env=env,
    )
    _wait_for(
        "zenml",
        lambda: _http_ok(f"{settings.zenml_url}/health"),
        settings,
        STARTUP_TIMEOUT_S,
    )


def start_mlflow_server(settings: ServerSettings) -> None:
    """Start the MLflow tracking server with a SQLite backend store.

    Args:
        settings: The server stack settings.
    """
    if _read_pid(settings, "mlflow"):
        logger.info(f"MLflow is already running at {settings.mlflow_url}")
        return
    mlflow_dir = settings.state_dir / "mlflow"
    mlflow_dir.mkdir(parents=True, exist_ok=True)
    _spawn(
        settings,
        "mlflow",
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            f"--host={HOST}",
            f"--port={settings.mlflow_port}",
            f"--backend-store-uri=sqlite:///{mlflow_dir / 'mlflow.db'}",
            f"--artifacts-destination={mlflow_dir / 'artifacts'}",
            "--workers=1",
        ],
        # The job runner adds eight worker processes for MLflow's GenAI
        # jobs, which the freight pipelines never submit.
        env={"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
    )
    _wait_for(
        "mlflow",
        lambda: _http_ok(f"{settings.mlflow_url}/health"),
        settings,
        STARTUP_TIMEOUT_S,
    )


def skip_onboarding_survey(
    url: str, username: str, password: Optional[str]
) -> None:
    """Mark the dashboard's onboarding survey as answered for a user.

    The ZenML 0.98 dashboard shows the survey while the user's
    `email_opted_in` is null or its metadata lacks
    `finished_onboarding_survey`. The generic user update endpoint
    ignores `email_opted_in`, so the email opt-in endpoint sets it.

    Args:
        url: URL of the ZenML server.
        username: The user to update.
        password: The user's password, or None for a server that runs
            without authentication (`zenml login --local`).
    """
    api = f"{url}/api/v1"
    session = requests.Session()
    if password is not None:
        login = requests.post(
            f"{api}/login",
            data={"username": username, "password": password},
            timeout=30,
        )
        login.raise_for_status()
        token = login.json()["access_token"]
        session.headers["Authorization"] = f"Bearer {token}"

    user = session.get(f"{api}/current-user", timeout=30)
    user.raise_for_status()
    user_id = user.json()["id"]
    metadata = user.json().get("metadata", {}).get("user_metadata") or {}

    session.put(
        f"{api}/users/{user_id}/email-opt-in",
        json={"email_opted_in": False},
        timeout=30,
    ).raise_for_status()
    metadata["finished_onboarding_survey"] = True
    session.put(
        f"{api}/users/{user_id}",
        json={"user_metadata": metadata},
        timeout=30,
    ).raise_for_status()
    logger.info(f"Skipped the dashboard onboarding survey for '{username}'")


def connect_zenml_client(settings: ServerSettings) -> None:
    """Point the active ZenML global config at the server stack's server.

    This is what `zenml login URL` does, without the browser. It changes
    the client configuration under ZENML_CONFIG_PATH (by default
    ~/.config/zenml) until `zenml logout` or another login.

    Args:
        settings: The server stack settings.

    Raises:
        ConnectionError: If the ZenML server does not respond.
    """
    from zenml.config.global_config import GlobalConfiguration
    from zenml.zen_stores.rest_zen_store import RestZenStoreConfiguration

    if not _http_ok(f"{settings.zenml_url}/health"):
        raise ConnectionError(
            f"No ZenML server at {settings.zenml_url}; run "
            "scripts/server_stack.sh start"
        )
    config = GlobalConfiguration()
    if config.store_configuration.url == settings.zenml_url:
        return
    credentials = load_credentials(settings)
    config.set_store(
        RestZenStoreConfiguration(
            url=settings.zenml_url,
            username=ZENML_ADMIN_USER,
            password=credentials["zenml_admin_password"],
        )
    )
    logger.info(f"Connected the ZenML client to {settings.zenml_url}")


def start(settings: ServerSettings) -> None:
    """Start MariaDB, the ZenML server and the MLflow server.

    Args:
        settings: The server stack settings.
    """
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    credentials = load_credentials(settings)
    start_mariadb(settings, credentials["mariadb_password"])
    start_zenml_server(settings, credentials)
    start_mlflow_server(settings)
    skip_onboarding_survey(
        settings.zenml_url,
        ZENML_ADMIN_USER,
        credentials["zenml_admin_password"],
    )
    logger.info(
        f"Server stack services are up: ZenML {settings.zenml_url} "
        f"(user '{ZENML_ADMIN_USER}', password in "
        f"{settings.state_dir / 'credentials.json'}), "
        f"MLflow {settings.mlflow_url}, "
        f"MariaDB {HOST}:{settings.mariadb_port}"
    )


def stop(settings: ServerSettings) -> None:
    """Stop the services in reverse start order.

    Each service gets SIGTERM on its process group, then SIGKILL if it
    is still running after SHUTDOWN_TIMEOUT_S.

    Args:
        settings: The server stack settings.
    """
    for service in ("mlflow", "zenml", "mariadb"):
        pid = _read_pid(settings, service)
        if pid is None:
            logger.info(f"{service} is not running")
            continue
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + SHUTDOWN_TIMEOUT_S
        while time.monotonic() < deadline and _process_alive(pid):
            time.sleep(0.5)
        if _process_alive(pid):
            logger.warning(f"{service} (PID {pid}) ignored SIGTERM; killing")
            os.killpg(pid, signal.SIGKILL)
        settings.pid_file(service).unlink(missing_ok=True)
        logger.info(f"Stopped {service} (PID {pid})")


def _process_alive(pid: int) -> bool:
    try:
        # Reap the child if this process started it in the same session.
        waited_pid, _ = os.waitpid(pid, os.WNOHANG)
        if waited_pid == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def status(settings: ServerSettings) -> Dict[str, Optional[int]]:
    """Return the PID of each service, or None when it is not running.

    Args:
        settings: The server stack settings.

    Returns:
        The PID by service name.
    """
    return {
        service: _read_pid(settings, service)
        for service in ("mariadb", "zenml", "mlflow")
    }


def main(argv: List[str]) -> int:
    """Run `start`, `stop` or `status` from the command line.

    Args:
        argv: The command line arguments after the program name.

    Returns:
        The exit code.
    """
    if len(argv) != 1 or argv[0] not in {"start", "stop", "status"}:
        logger.error(
            "Usage: python -m utils.server_services start|stop|status"
        )
        return 2
    settings = ServerSettings.from_env()
    if argv[0] == "start":
        start(settings)
    elif argv[0] == "stop":
        stop(settings)
    else:
        pids = status(settings)
        for service, pid in pids.items():
            state = f"running (PID {pid})" if pid else "stopped"
            logger.info(f"{service}: {state}")
        return 0 if all(pids.values()) else 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
