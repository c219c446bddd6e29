#!/usr/bin/env bash
# Install everything the project and its tests need: the Debian packages
# (MariaDB and Chromium, for the server stack and the dashboard test) and
# a .venv with the pinned Python requirements. Run from anywhere.
set -euo pipefail
export ZENML_ANALYTICS_OPT_IN=false
cd "$(dirname "$0")/.."

if command -v apt-get >/dev/null 2>&1; then
    bash scripts/install_system_deps.sh
else
    echo "apt-get not found: skipping MariaDB and Chromium; the server" \
        "stack and dashboard tests will be skipped" >&2
fi

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements.txt \
    -r requirements-test.txt
echo "Installed requirements.txt and requirements-test.txt into .venv"
