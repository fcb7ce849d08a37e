// Handoff between runner-side deploys: from one `deployctl run` command's end to the next one's start, same
// environment, as CI sees it. A few runners wait at any time (each started as another finishes), like CI jobs do.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { parseConfig } from '../src/config/deploy-config';
import { createWorker } from '../src/worker/create-worker';
import { commandHandoffs, readCommandRuns, stampingCommand } from './command-stamps';
import { percentile } from './stats';

const DEPLOYCTL = join(__dirname, '..', '..', 'bin', 'deployctl.js');

export interface RunnerHandoffResult {
  handoffs: number[];
  p50: number;
  p99: number;
  max: number;
}

export async function measureRunnerHandoff(
  env: TestWorkflowEnvironment,
  deployments: number,
  lanes = 4,
): Promise<RunnerHandoffResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-runner-'));
  const environments = { runners: { stackName: 'BenchStack', lockWaitTimeout: '1h', deploy: { type: 'runner' } } };
  const configPath = join(dir, 'deploy.config.json');
  writeFileSync(configPath, JSON.stringify({ environments }));
  const taskQueue = 'bench-runner-handoff';
  const worker = await createWorker({
    connection: env.nativeConnection,
    client: env.client,
    namespace: env.namespace ?? 'default',
    taskQueue,
    config: parseConfig({ environments }),
  });
  // The command stamps its start and end in nanoseconds (a shell: no runtime start-up inside the figure), and runs
  // long enough that the next runner is always waiting, started and connected, when the turn passes (checked below).
  const stamps = stampingCommand(1.5);
  const runOne = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [DEPLOYCTL, 'run', '--env', 'runners', '--correlation-id', `run-${i}`, '--', ...stamps.command],
        {
          env: {
            ...process.env,
            TEMPORAL_ADDRESS: env.address,
            DEPLOY_TASK_QUEUE: taskQueue,
            DEPLOY_CONFIG: configPath,
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`run-${i} exited ${code}: ${stderr}`))));
    });
  await worker.runUntil(async () => {
    let next = 0;
    const lane = async () => {
      while (next < deployments) await runOne(next++);
    };
    await Promise.all(Array.from({ length: lanes }, lane));
  });
  const runs = readCommandRuns(stamps.file);
  const requested = new Map<string, number>();
  for (const { correlationId } of runs) {
    const description = await env.client.workflow.getHandle(`deploy/runners/${correlationId}`).describe();
    requested.set(correlationId, description.startTime.getTime());
  }
  const handoffs = commandHandoffs(runs);
  // A handoff counts only if the next deployment was already waiting: else it measures a runner's start-up.
  const dry = runs.slice(1).filter((run, i) => (requested.get(run.correlationId) ?? 0) > runs[i]!.end).length;
  if (dry > 0) throw new Error(`the queue ran dry ${dry} times: give the runners more lanes or a longer command`);
  return { handoffs, p50: percentile(handoffs, 50), p99: percentile(handoffs, 99), max: Math.max(...handoffs) };
}
