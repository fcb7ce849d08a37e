// Builds the single-file deployctl and the GitHub Action: each one JavaScript file that runs with Node alone, no
// node_modules beside it (deployctl for any CI to fetch, the action as GitHub runs actions). Both are committed in
// bundle/; `--check` rebuilds them in memory and fails when a committed file differs (the tests run that), so what
// the repository holds is always what the source builds.
const { buildSync } = require('esbuild');
const { Buffer } = require('node:buffer');
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const check = process.argv.includes('--check');

const result = buildSync({
  absWorkingDir: root,
  entryPoints: { deployctl: 'src/cli/main.ts', action: 'src/action/main.ts' },
  outdir: 'bundle',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  // The licences of what it contains, in a file beside it.
  legalComments: 'external',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
  write: !check,
});

if (check) {
  const stale = result.outputFiles.filter(
    (file) => !existsSync(file.path) || !readFileSync(file.path).equals(Buffer.from(file.contents)),
  );
  if (stale.length > 0) {
    const names = stale.map((file) => file.path.slice(root.length + 1)).join(', ');
    process.stderr.write(`stale: ${names} does not match the source: run npm run bundle and commit the result\n`);
    process.exit(1);
  }
}
