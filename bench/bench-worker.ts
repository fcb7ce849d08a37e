// The real worker process (dist/src/worker.js) for a benchmark: its own config and task queue, the prebuilt workflow
// bundle, warnings only in its log.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startWorkerProcess, type WorkerProcess } from '../test/helpers/worker-process';

/** The former deploy-step supervisor, a Node process per step, kept as the benchmarks' "before" (0.1.0). */
export const NODE_SUPERVISOR = join(__dirname, 'baseline', 'node-supervisor.js');

export interface BenchWorkerOptions {
  /** The worker's environments, as in deploy.config.json. */
  environments: Record<string, unknown>;
  /** A task queue no other run on the same server uses: a lock workflow stays on the queue it was started on. */
  taskQueue: string;
  /** The prebuilt workflow bundle (DEPLOY_WORKFLOW_BUNDLE). */
  bundle: string;
  /** More environment: the worker's tuning settings, DEPLOY_METRICS_ADDRESS. */
  env?: NodeJS.ProcessEnv;
}

/** A command environment that runs `command`, each step under the former Node supervisor too when asked. */
export function noOpEnvironment(stackName: string, command: string[], nodeSupervisor = false): Record<string, unknown> {
  return {
    stackName,
    lockWaitTimeout: '24h',
    deploy: {
      type: 'command',
      command: nodeSupervisor ? [process.execPath, NODE_SUPERVISOR, '0', ...command] : command,
    },
  };
}

export async function startBenchWorker(
  server: TestWorkflowEnvironment,
  options: BenchWorkerOptions,
): Promise<WorkerProcess> {
  const configPath = join(mkdtempSync(join(tmpdir(), 'bench-worker-')), 'deploy.config.json');
  writeFileSync(configPath, JSON.stringify({ environments: options.environments }));
  return startWorkerProcess(configPath, {
    TEMPORAL_ADDRESS: server.address,
    DEPLOY_TASK_QUEUE: options.taskQueue,
    DEPLOY_WORKFLOW_BUNDLE: options.bundle,
    LOG_LEVEL: 'warn',
    DEPLOY_METRICS_ADDRESS: '',
    ...options.env,
  });
}
