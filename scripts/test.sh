#!/usr/bin/env bash
# Installs everything the tests need on a fresh clone (npm packages, the Temporal CLI, moto), then runs every test.
# Ends with a plain "N passed, N failed" line taken from Jest's own results.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund # also builds dist/ (the prepare script), which the CLI tests run
bash scripts/ensure-temporal-cli.sh
bash scripts/ensure-moto.sh
npm run --silent lint

mkdir -p .test-results
rm -f .test-results/jest.json
set +e
npx jest --ci --json --outputFile=.test-results/jest.json "$@"
status=$?
set -e
if [ -f .test-results/jest.json ]; then
  node -e '
    const r = require("./.test-results/jest.json");
    // A file that failed to load has no test results of its own: count it as a failure.
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests + r.numRuntimeErrorTestSuites} failed`);
  '
fi
exit "$status"
