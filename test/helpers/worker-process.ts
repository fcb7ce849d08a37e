import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { WORKER_ENV, WORKER_NODE_FLAGS } from '../../src/worker/launch-settings';
import { keepForDiagnosis } from './diagnosis';
import { projectRoot } from './project-root';

const WORKER = join(projectRoot(), 'dist', 'src', 'worker.js');

export interface WorkerProcess {
  pid: number;
  output: () => string;
  /**
   * Sends the signal and waits for the process to exit; returns its exit code. A SIGTERM or SIGINT drains the
   * worker: one still draining after `drainWaitMs` (10 s) is sent the signal again, which stops it at once; one still
   * running `drainWaitMs` after that is killed with SIGKILL (exit code null).
   */
  stop: (signal?: NodeJS.Signals, drainWaitMs?: number) => Promise<number | null>;
  /** Whether the process has exited. */
  exited: () => boolean;
  /** Sends the signal to the worker's whole process group (as a terminal's hang-up or a process manager does). */
  stopGroup: (signal: NodeJS.Signals) => Promise<number | null>;
}

/**
 * The built worker (what `npm start` runs) in a process of its own, once it says it is running. It leads a process
 * group of its own, as under a terminal or a process manager, so that a test can signal the whole group. It loads the
 * suite's workflow bundle (DEPLOY_WORKFLOW_BUNDLE), as a deployed image does, instead of spending seconds of CPU
 * bundling at each start; pass `DEPLOY_WORKFLOW_BUNDLE: ''` to have it bundle its own.
 */
export async function startWorkerProcess(configPath: string, env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, WORKER, configPath], {
    env: { ...process.env, ...WORKER_ENV, DEPLOY_WORKFLOW_BUNDLE: process.env.WORKFLOW_BUNDLE_PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  keepForDiagnosis(`worker process (pid ${child.pid ?? '?'})`, () => output);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('Deployment coordinator is running')) {
        clearInterval(timer);
        resolve();
      }
    }, 100);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`worker exited with ${code}: ${output}`));
    });
  });
  const pid = child.pid ?? 0;
  return {
    pid,
    output: () => output,
    stop: async (signal = 'SIGTERM', drainWaitMs = 10_000) => {
      child.kill(signal);
      const again = setTimeout(() => child.kill(signal), drainWaitMs);
      // A worker still running that long after "stop now" is stuck (once, after an SDK core error): it is killed, and
      // its output says so, so that a test checking the exit sees it fail and no test waits forever.
      const stuck = setTimeout(() => {
        output += `\n[test] still running ${drainWaitMs} ms after the second ${signal}: killed with SIGKILL\n`;
        child.kill('SIGKILL');
      }, 2 * drainWaitMs);
      const code = await exited;
      clearTimeout(again);
      clearTimeout(stuck);
      return code;
    },
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stopGroup: async (signal) => {
      process.kill(-pid, signal);
      return exited;
    },
  };
}
