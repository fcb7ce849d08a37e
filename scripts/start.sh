#!/usr/bin/env bash
# npm start: the coordinator. Without TEMPORAL_ADDRESS it runs an embedded Temporal dev server (SQLite under .data/,
# Web UI on http://localhost:8233) and needs the Temporal CLI, which it makes available first.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TEMPORAL_ADDRESS:-}" ]; then bash scripts/ensure-temporal-cli.sh; fi
npm run --silent build
# The heap limit and the malloc arenas: src/worker/launch-settings.ts says why.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec node --max-old-space-size=1024 dist/src/worker.js "$@"
