#!/usr/bin/env bash
# Makes Prometheus's own checks available to the tests: tools/promcheck (promlint on a scrape, as `promtool check
# metrics` runs it; the rule parser, as `promtool check rules` does), built from Go modules in about a minute instead
# of all of promtool in ten, cached outside the repository by its source's hash and linked into .tools/bin.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source_dir="$root/tools/promcheck"
hash=$(cat "$source_dir/go.mod" "$source_dir/go.sum" "$source_dir/main.go" | sha256sum | cut -c1-16)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/deployment-coordinator/promcheck-$hash"

if [ ! -x "$cache/promcheck" ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "No Go toolchain: cannot build tools/promcheck" >&2
    exit 1
  fi
  echo "Building tools/promcheck from Go modules (about a minute, once; cached in $cache)..."
  mkdir -p "$cache"
  (cd "$source_dir" && go build -o "$cache/promcheck" .)
fi
mkdir -p "$root/.tools/bin"
ln -sfn "$cache/promcheck" "$root/.tools/bin/promcheck"
echo "promcheck: $root/.tools/bin/promcheck"
