#!/usr/bin/env node
// deployctl in one file. Its code follows below as line comments: this loader compiles it with V8's code cache,
// kept in the user's cache directory, so that a run does not compile it again (most of deployctl's start-up).
// scripts/bundle.js writes this file; NODE_DISABLE_COMPILE_CACHE=1 turns the cache off, NODE_COMPILE_CACHE moves it.
'use strict';
{
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const vm = require('node:vm');
  const BUILD = '__BUILD__';
  const MARK = '\n//@@ code\n';
  const self = fs.readFileSync(__filename, 'utf8');
  const at = self.indexOf(MARK) + MARK.length;
  // Each line of the code was given a leading "//": take exactly those two characters off again.
  const source = self.slice(at + 2).replace(/(\r\n|[\r\n\u2028\u2029])\/\//g, '$1');
  const lineOffset = self.slice(0, at).split('\n').length - 1;

  // What the cache holds is the code V8 compiled while running one command, so each command has its own.
  const command = /^[a-z-]+$/.exec(process.argv.slice(2).find((arg) => !arg.startsWith('-')) ?? 'help')?.[0] ?? 'other';
  const base =
    process.env.NODE_COMPILE_CACHE ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'deployment-coordinator');
  const file = path.join(base, `deployctl-${BUILD}-${process.version}-${process.arch}-${command}.cache`);
  const off = process.env.NODE_DISABLE_COMPILE_CACHE === '1';
  let cachedData;
  try {
    if (!off) cachedData = fs.readFileSync(file);
  } catch {
    // None yet, or unreadable: compiled as usual, and written at exit.
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: __filename, lineOffset, cachedData });
  if (!off && (!cachedData || script.cachedDataRejected)) {
    process.once('exit', (code) => {
      // Only a run that got as far as an outcome (exit codes below 64) compiled what the command usually needs.
      if (code >= 64) return;
      try {
        fs.mkdirSync(base, { recursive: true });
        const temporary = `${file}.${process.pid}`;
        fs.writeFileSync(temporary, script.createCachedData());
        fs.renameSync(temporary, file);
        // Other builds' caches, once unused for a week (each build is its own: npm run build makes a new one).
        const weekAgo = Date.now() - 7 * 24 * 3600 * 1000;
        for (const name of fs.readdirSync(base)) {
          const other = path.join(base, name);
          if (/^deployctl-.*\.cache$/.test(name) && !name.includes(BUILD) && fs.statSync(other).mtimeMs < weekAgo) {
            fs.rmSync(other, { force: true });
          }
        }
      } catch {
        // A cache that cannot be written costs only time.
      }
    });
  }
  script.runInThisContext().call(module.exports, module.exports, require, module, __filename, __dirname);
}
