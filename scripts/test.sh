#!/usr/bin/env bash
# Installs everything the tests need on a fresh clone (npm packages, the Temporal CLI and server, moto, a compose
# validator, Prometheus's checks), then runs every test.
# Ends with a plain "N passed, N failed" line taken from Jest's own results.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund # also builds dist/ (the prepare script), which the CLI tests run
bash scripts/ensure-temporal-cli.sh
bash scripts/ensure-temporal-server.sh # the production server of the native-topology test (built once, cached)
bash scripts/ensure-moto.sh
bash scripts/ensure-compose-validator.sh
bash scripts/ensure-promcheck.sh # lints a real scrape and the example alerts (built once, cached)
npm run --silent lint
# The committed single-file deployctl must be what the source builds.
node scripts/bundle.js --check
# So must the generated references (the config's JSON Schema and reference, deployctl's), and the docs must hold:
# every relative link resolves, every deployctl command shown uses flags deployctl has.
node scripts/generate-docs.js --check
node scripts/check-docs.js

mkdir -p .test-results
rm -f .test-results/*.json
set +e
# The pure modules first: seconds, and a failure there stops the run before the end-to-end files start.
npx jest --ci --selectProjects unit --json --outputFile=.test-results/unit.json "$@"
status=$?
if [ "$status" -eq 0 ]; then
  npx jest --ci --selectProjects e2e --json --outputFile=.test-results/e2e.json "$@"
  status=$?
fi
set -e
node -e '
  const { existsSync } = require("node:fs");
  let passed = 0;
  let failed = 0;
  for (const file of [".test-results/unit.json", ".test-results/e2e.json"]) {
    if (!existsSync(file)) continue;
    const r = require(`./${file}`);
    passed += r.numPassedTests;
    // A file that failed to load has no test results of its own: count it as a failure.
    failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  }
  console.log(`${passed} passed, ${failed} failed`);
'
exit "$status"
