// Runs one kind of deploy-step start-up N times in a row, for deploy-step-cpu.ts to measure from outside.
// Usage: deploy-step-probe.js none|node-supervisor|shell-supervisor N. Starts once a line arrives on stdin, so that
// the measuring process can put it into a cgroup first; prints its own and its reaped children's CPU at the end.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startSupervised } from '../src/process/supervisor';
import { NODE_SUPERVISOR } from './bench-worker';
import { processCpuMs } from './process-usage';

/** This process's CPU and that of the children it has reaped, in milliseconds. */
const cpuMs = () => {
  const { own, reaped } = processCpuMs(process.pid);
  return own + reaped;
};

const COMMAND = '/bin/true';

function once(kind: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (kind === 'none') {
      spawn(COMMAND, [], { stdio: ['ignore', 'pipe', 'pipe'] })
        .once('close', () => resolve())
        .once('error', reject);
    } else if (kind === 'node-supervisor') {
      // As the worker started it: an IPC channel, output piped.
      spawn(process.execPath, [NODE_SUPERVISOR, '0', COMMAND], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
        .once('close', () => resolve())
        .once('error', reject);
    } else {
      const { child, stopGroup } = startSupervised({
        argv: [COMMAND],
        cwd: process.cwd(),
        env: process.env,
        killGracePeriodMs: 0,
      });
      child
        .once('exit', stopGroup)
        .once('close', () => resolve())
        .once('error', reject);
    }
  });
}

async function main() {
  const [kind = 'none', count = '20'] = process.argv.slice(2);
  const input = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => input.once('line', () => resolve()));
  input.close();
  process.stdin.destroy();
  const before = cpuMs();
  for (let i = 0; i < Number(count); i++) await once(kind);
  process.stdout.write(`${JSON.stringify({ selfAndReapedMs: cpuMs() - before })}\n`);
}

void main();
