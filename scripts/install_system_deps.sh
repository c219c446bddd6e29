#!/usr/bin/env bash
# Install the Debian packages that the server stack and the dashboard test
# need: MariaDB for the ZenML server store and headless Chromium for the
# dashboard check. Safe to run again: apt-get skips installed packages.
set -euo pipefail

packages=(mariadb-server mariadb-client chromium fonts-dejavu-core)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null \
        | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "System packages already installed: ${packages[*]}"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi

echo "Installing: ${missing[*]}"
$SUDO apt-get update
# The package scripts must not start MariaDB on its default port: the
# server stack runs its own instance, so policy-rc.d blocks service starts.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
    trap '$SUDO rm -f "$policy"' EXIT
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y \
    --no-install-recommends "${missing[@]}"
