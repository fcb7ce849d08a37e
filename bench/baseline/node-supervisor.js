#!/usr/bin/env node
// The deploy-step supervisor of 0.1.0, a Node process per deploy step: kept only as the benchmark's "before".
// It ran in the worker's process group, so a kill of that group orphaned the command; see src/process/supervisor.ts.
// - the worker asks it to stop (SIGTERM, SIGINT): SIGTERM to the group, SIGKILL after the grace period;
// - the worker dies, even by SIGKILL: the IPC channel closes, and the group is stopped the same way;
// - the command exits: whatever it left running in its group is stopped too.
// Usage (from the worker only): process-supervisor.js GRACE_MS PROGRAM [ARGS...], with an IPC channel.
'use strict';
const { spawn } = require('node:child_process');

const [graceArg, program, ...args] = process.argv.slice(2);
const graceMs = Number(graceArg);
const report = (message) => process.connected && process.send(message);

const child = spawn(program, args, { detached: true, stdio: ['ignore', 'inherit', 'inherit'] });
const signalGroup = (signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
};
let stopping = false;
const stop = () => {
  if (stopping || child.pid === undefined) return;
  stopping = true;
  signalGroup('SIGTERM');
  setTimeout(() => signalGroup('SIGKILL'), graceMs).unref();
};

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
child.once('error', (error) => {
  report({ type: 'spawn-error', code: error.code ?? error.message });
  process.exit(127);
});
child.once('exit', (code, signal) => {
  signalGroup('SIGTERM');
  report({ type: 'exit', code, signal });
  process.exit(0);
});
