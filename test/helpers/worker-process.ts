import { spawn } from 'node:child_process';
import { join } from 'node:path';

const WORKER = join(__dirname, '..', '..', 'dist', 'src', 'worker.js');

export interface WorkerProcess {
  pid: number;
  output: () => string;
  /** Sends the signal and waits for the process to exit; returns its exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** The built worker (what `npm start` runs) in a process of its own, once it says it is running. */
export async function startWorkerProcess(configPath: string, env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [WORKER, configPath], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
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
  return {
    pid: child.pid ?? 0,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}
