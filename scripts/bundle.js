// Builds the single-file deployctl: one JavaScript file that runs with Node alone, no node_modules beside it, for
// any CI to fetch and run. It is committed in bundle/; `--check` rebuilds it in memory and fails when the committed
// file differs (the tests run that), so the file in the repository is always what the source builds.
const { buildSync } = require('esbuild');
const { Buffer } = require('node:buffer');
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const check = process.argv.includes('--check');

const result = buildSync({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'bundle/deployctl.js',
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
