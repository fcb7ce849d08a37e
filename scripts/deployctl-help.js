// deployctl's own --help, read from the build: what the docs generator prints and the docs check holds commands to.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const DEPLOYCTL = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');

/** deployctl's help for `args`, as a terminal of the default width shows it (no environment of the caller's). */
function help(args) {
  const result = spawnSync(process.execPath, [DEPLOYCTL, ...args, '--help'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  if (result.status !== 0) throw new Error(`deployctl ${args.join(' ')} --help exited ${result.status}`);
  return result.stdout.trimEnd();
}

/** The subcommands a top-level help lists, in its order (without `help`). */
function commands(top) {
  const section = top.split(/^Commands:$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((match) => match[1]).filter((name) => name !== 'help');
}

module.exports = { commands, help };
