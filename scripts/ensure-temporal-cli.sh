#!/usr/bin/env bash
# Makes the Temporal CLI (a full Temporal dev server with the Web UI) available as .tools/bin/temporal.
# Order: TEMPORAL_CLI_PATH, a `temporal` on PATH, a cached build, a fresh build from Go modules.
# Without any of them the worker and tests fall back to the SDK's cached download (needs internet).
set -euo pipefail

version=v1.5.1 # newest tag whose go.mod has no replace directive, so `go install` accepts it
root=$(cd "$(dirname "$0")/.." && pwd)
target="$root/.tools/bin/temporal"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/deployment-coordinator/temporal-cli-$version"

link() {
  mkdir -p "$(dirname "$target")"
  ln -sf "$1" "$target"
  echo "temporal CLI: $1"
}

if [ -n "${TEMPORAL_CLI_PATH:-}" ] && [ -x "$TEMPORAL_CLI_PATH" ]; then link "$TEMPORAL_CLI_PATH"; exit 0; fi
if [ -x "$target" ] && "$target" --version >/dev/null 2>&1; then echo "temporal CLI: $target"; exit 0; fi
if existing=$(command -v temporal 2>/dev/null); then link "$existing"; exit 0; fi
if [ -x "$cache/temporal" ]; then link "$cache/temporal"; exit 0; fi
if command -v go >/dev/null 2>&1; then
  echo "Building the Temporal CLI $version from Go modules (a few minutes, once; cached in $cache)..."
  mkdir -p "$cache"
  GOBIN="$cache" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$version"
  link "$cache/temporal"
  exit 0
fi
echo "No Go toolchain and no temporal CLI: the SDK will download the dev server on first use." >&2
