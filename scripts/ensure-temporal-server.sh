#!/usr/bin/env bash
# Makes a production Temporal server available for the native-topology test: temporal-server and temporal-sql-tool
# built from Go modules, and the server's SQL schemas, cached outside the repository and linked into .tools/.
# docker-compose.yml runs the same version from Temporal's images.
set -euo pipefail

version=v1.31.2 # docker-compose.yml's temporalio/server and admin-tools tags; its go.mod has no replace directive
root=$(cd "$(dirname "$0")/.." && pwd)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/deployment-coordinator/temporal-server-$version"
tools="$root/.tools/temporal-server"

if [ ! -x "$cache/bin/temporal-server" ] || [ ! -x "$cache/bin/temporal-sql-tool" ] || [ ! -d "$cache/schema" ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "No Go toolchain: cannot build the Temporal server $version" >&2
    exit 1
  fi
  echo "Building the Temporal server $version from Go modules (several minutes, once; cached in $cache)..."
  mkdir -p "$cache/bin"
  export GOFLAGS=-mod=mod
  GOBIN="$cache/bin" go install "go.temporal.io/server/cmd/server@$version"
  GOBIN="$cache/bin" go install "go.temporal.io/server/cmd/tools/sql@$version"
  mv "$cache/bin/server" "$cache/bin/temporal-server"
  mv "$cache/bin/sql" "$cache/bin/temporal-sql-tool"
  # The schemas ship in the module's source, which go install has just downloaded.
  source_dir=$(go mod download -json "go.temporal.io/server@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  rm -rf "$cache/schema"
  cp -r "$source_dir/schema" "$cache/schema"
  chmod -R u+w "$cache/schema"
fi
mkdir -p "$(dirname "$tools")"
ln -sfn "$cache" "$tools"
echo "temporal server: $tools ($version)"
