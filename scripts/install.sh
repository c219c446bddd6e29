#!/usr/bin/env bash
# Create .venv with the pinned requirements. Run from anywhere.
set -euo pipefail
export ZENML_ANALYTICS_OPT_IN=false
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements.txt
echo "Installed requirements.txt into .venv"
