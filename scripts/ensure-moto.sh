#!/usr/bin/env bash
# Installs the moto server (a local AWS API for the CloudFormation tests) into the project's own .venv.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=5.2.5
venv="$root/.venv"
if [ -x "$venv/bin/moto_server" ] && "$venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$version')" 2>/dev/null; then
  echo "moto server: $venv/bin/moto_server"
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$version"
echo "moto server: $venv/bin/moto_server (installed $version)"
