// Many environments at once: 50 environments x 10 queued no-op deployments, against the real worker process.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { deploymentWorkflowId } from '../src/contract/names';
import { stateQuery } from '../src/contract';

export interface FanOutResult {
  /** Whether the worker served Prometheus metrics (DEPLOY_METRICS_ADDRESS). */
  metrics: boolean;
  environments: number;
  perEnvironment: number;
  totalMs: number;
  workerPeakRssMb: number;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

export async function measureFanOut(
  env: TestWorkflowEnvironment,
  environments: number,
  perEnvironment: number,
  round: number,
  metricsAddress?: string,
): Promise<FanOutResult> {
  // Fresh names each round: a lock workflow stays on the task queue it was started on.
  const tag = `${round}${metricsAddress ? 'm' : ''}`;
  const names = Array.from({ length: environments }, (_, i) => `env-${tag}-${i}`);
  const configPath = join(tmpdir(), `bench-fan-out-${process.pid}-${round}.json`);
  writeFileSync(
    configPath,
    JSON.stringify({
      environments: Object.fromEntries(
        names.map((name) => [
          name,
          { stackName: `Stack-${name}`, lockWaitTimeout: '1h', deploy: { type: 'command', command: ['true'] } },
        ]),
      ),
    }),
  );
  const taskQueue = `bench-fan-out-${tag}`;
  const worker = spawn(process.execPath, [join(__dirname, '..', 'src', 'worker.js'), configPath], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      DEPLOY_TASK_QUEUE: taskQueue,
      LOG_LEVEL: 'warn',
      DEPLOY_METRICS_ADDRESS: metricsAddress ?? '',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    worker.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Deployment coordinator is running')) resolve();
    });
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  try {
    const started = performance.now();
    const handles = await Promise.all(
      names.flatMap((environment) =>
        Array.from({ length: perEnvironment }, (_, i) =>
          env.client.workflow.start('deployment', {
            taskQueue,
            workflowId: deploymentWorkflowId(environment, `fan-${tag}-${i}`),
            args: [{ environment, correlationId: `fan-${tag}-${i}`, priority: 'normal' }],
          }),
        ),
      ),
    );
    // (A deployment that does not succeed fails its workflow: the benchmark stops with it.)
    await Promise.all(handles.map((handle) => handle.result()));
    const totalMs = performance.now() - started;
    if (metricsAddress) {
      // The scrape is part of the cost: what Prometheus would fetch, every 15 s.
      const text = await (await fetch(`http://${metricsAddress}/metrics`)).text();
      if (!text.includes('deployments_finished')) throw new Error('the worker served no deployment metrics');
    }
    // Touch one state query so the figure includes a worker that still answers.
    await handles[0]?.query(stateQuery);
    return {
      metrics: metricsAddress !== undefined,
      environments,
      perEnvironment,
      totalMs,
      workerPeakRssMb: peakRssMb(worker.pid ?? 0),
    };
  } finally {
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
  }
}
