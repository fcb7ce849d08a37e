#!/usr/bin/env bash
# Makes `docker-compose` available to validate docker-compose.yml (`docker-compose config -q`): Debian's package
# (the validator only; no Docker engine is needed or started).
set -euo pipefail
if command -v docker-compose >/dev/null 2>&1; then exit 0; fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Installing Debian's docker-compose to validate docker-compose.yml..."
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
  exit 0
fi
echo "docker-compose is not installed, and this machine cannot install it here (needs root and apt-get)." >&2
exit 1
