#!/usr/bin/env node
// Writes the files generated from the code: deploy.config.schema.json and docs/configuration.md from the config's
// zod schema, docs/deployctl.md from deployctl's own --help. With --check, writes nothing and fails naming each file
// that differs from what the code generates (CI runs it). Runs on the build: npm run build first.
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const prettier = require('prettier');
const { commands, help } = require('./deployctl-help');

const ROOT = join(__dirname, '..');

function deployctlReference() {
  const top = help([]);
  const lines = [
    '# deployctl reference',
    '',
    '<!-- Generated from deployctl --help by scripts/generate-docs.js: edit src/cli/main.ts, not this file. -->',
    '',
    'For people and CI jobs that run `deployctl`. How it is used from CI: [CI](ci.md). The exit codes are at ' +
      'the end of the first block.',
    '',
    '```text',
    top,
    '```',
  ];
  for (const name of commands(top)) lines.push('', `## deployctl ${name}`, '', '```text', help([name]), '```');
  return `${lines.join('\n')}\n`;
}

async function generated() {
  const { configJsonSchema, configReference } = require(join(ROOT, 'dist', 'src', 'config', 'reference.js'));
  const options = (await prettier.resolveConfig(join(ROOT, 'README.md'))) ?? {};
  const format = (text, parser) => prettier.format(text, { ...options, parser });
  return {
    'deploy.config.schema.json': await format(JSON.stringify(configJsonSchema()), 'json'),
    'docs/configuration.md': await format(configReference(), 'markdown'),
    'docs/deployctl.md': await format(deployctlReference(), 'markdown'),
  };
}

async function main() {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const [file, text] of Object.entries(await generated())) {
    const path = join(ROOT, file);
    let current;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === text) continue;
    if (check) stale.push(file);
    else writeFileSync(path, text);
  }
  if (stale.length > 0) {
    process.stderr.write(
      `generated files out of date: ${stale.join(', ')}\nrun: npm run build && node scripts/generate-docs.js\n`,
    );
    process.exit(1);
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
