#!/usr/bin/env bash
# Start, stop or report the services of the `server` stack: MariaDB, a
# ZenML server backed by it and an MLflow tracking server, all bound to
# 127.0.0.1. Ports and the state directory come from FREIGHT_MARIADB_PORT
# (3407), FREIGHT_ZENML_PORT (8238), FREIGHT_MLFLOW_PORT (5051) and
# FREIGHT_SERVER_STATE_DIR (/tmp/freight-server-stack).
#
# Usage: scripts/server_stack.sh start|stop|status
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$repo_root/.venv/bin/python}"
export ZENML_ANALYTICS_OPT_IN=false

case "${1:-}" in
    start)
        if ! command -v mariadb >/dev/null \
            || [ ! -x /usr/sbin/mariadbd ]; then
            bash "$repo_root/scripts/install_system_deps.sh"
        fi
        ;;
    stop|status) ;;
    *)
        echo "Usage: $0 start|stop|status" >&2
        exit 2
        ;;
esac

cd "$repo_root"
exec "$python" -m utils.server_services "$1"
