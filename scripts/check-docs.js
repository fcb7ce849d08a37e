#!/usr/bin/env node
// Checks the docs against the repository and deployctl: every relative link in README.md, CONTRIBUTING.md and
// docs/ points at a file that exists (and at a heading that exists, for #anchors), and every deployctl command in a
// code block names a command and flags deployctl has. Runs on the build: npm run build first.
const { existsSync, readdirSync, readFileSync, statSync } = require('node:fs');
const { dirname, join, relative, resolve } = require('node:path');
const { commands, help } = require('./deployctl-help');

const ROOT = join(__dirname, '..');

function markdownFiles() {
  const files = ['README.md', 'CONTRIBUTING.md'].map((file) => join(ROOT, file)).filter(existsSync);
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.md')) files.push(path);
    }
  };
  if (existsSync(join(ROOT, 'docs'))) walk(join(ROOT, 'docs'));
  return files;
}

/** Text outside fenced code blocks, and the lines inside them. */
function split(text) {
  const prose = [];
  const code = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    else (fenced ? code : prose).push(line);
  }
  return { prose: prose.join('\n'), code };
}

/** A heading's anchor as GitHub makes it. */
function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]*>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(path) {
  const seen = new Map();
  const anchors = new Set();
  for (const match of split(readFileSync(path, 'utf8')).prose.matchAll(/^#{1,6}\s+(.*)$/gm)) {
    const base = slug(match[1].replace(/`/g, ''));
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function checkLinks(file, prose, problems) {
  // Inline links and images; reference definitions too.
  const targets = [
    ...[...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]),
    ...[...prose.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((match) => match[1]),
  ];
  for (const target of targets) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    const [path, anchor] = target.split('#');
    const resolved = path === '' ? file : resolve(dirname(file), decodeURI(path));
    const where = relative(ROOT, file);
    if (!existsSync(resolved)) {
      problems.push(`${where}: link to ${target}: no such file`);
      continue;
    }
    if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) {
      problems.push(`${where}: link to ${target}: no heading with that anchor`);
    }
  }
}

/** deployctl's commands, each with the flags its help lists. */
function deployctlFlags() {
  const flagsIn = (text) => new Set([...text.matchAll(/(?:^|[\s,])(--[a-z][a-z-]*)/gm)].map((match) => match[1]));
  return new Map(commands(help([])).map((name) => [name, flagsIn(help([name]))]));
}

function checkCommands(file, code, commands, problems) {
  const where = relative(ROOT, file);
  for (const line of code) {
    // An invocation: deployctl first on the line (after a prompt, a list dash, `run:`, npx or node) or after && ; |.
    const lead = /(?:^\s*(?:[-$>]\s+)?(?:run:\s*)?|&&\s*|;\s*|\|\s*)(?:npx\s+|node\s+)?(?:\S*\/)?/.source;
    const invocation = new RegExp(`${lead}deployctl(?:\\.js)?\\s+([a-z][a-z-]*)([^|;&\\n]*)`, 'g');
    for (const match of line.matchAll(invocation)) {
      const [, name, rest] = match;
      const flags = commands.get(name);
      if (!flags) {
        problems.push(`${where}: deployctl ${name}: no such command`);
        continue;
      }
      // Flags up to a lone `--`, after which deployctl run's command and its own flags begin.
      const own = rest.split(/\s--(?:\s|$)/)[0];
      for (const flag of own.matchAll(/(?:^|\s)(--[a-z][a-z-]*)/g)) {
        if (!flags.has(flag[1])) problems.push(`${where}: deployctl ${name} has no ${flag[1]} flag`);
      }
    }
  }
}

const problems = [];
const flagsByCommand = deployctlFlags();
for (const file of markdownFiles()) {
  const { prose, code } = split(readFileSync(file, 'utf8'));
  checkLinks(file, prose, problems);
  checkCommands(file, code, flagsByCommand, problems);
}
if (problems.length > 0) {
  process.stderr.write(`${problems.join('\n')}\n${problems.length} problem(s) in the docs\n`);
  process.exit(1);
}
