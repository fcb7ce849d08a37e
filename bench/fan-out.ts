// Many environments at once: E environments x N queued no-op deployments, all requested at once, against the real
// worker process; wall time, the worker's peak memory, and the CPU each part spent per deployment.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { deploymentWorkflowId } from '../src/contract/names';
import { stateQuery } from '../src/contract';
import { noOpEnvironment, startBenchWorker } from './bench-worker';
import { CpuMeter, type PartsCpu, peakRssMb } from './process-usage';

export interface FanOutOptions {
  environments: number;
  perEnvironment: number;
  /** Names this run's environments and task queue apart from every other run's on the same server. */
  tag: string;
  /** Serve Prometheus metrics (DEPLOY_METRICS_ADDRESS) from the worker. */
  metricsAddress?: string;
  /** Run each no-op step under the former Node supervisor as well: the cost before the shell supervisor. */
  nodeSupervisor?: boolean;
  /** The dev server's process, to count its CPU. */
  serverPid?: number;
  /** More environment for the worker (its tuning settings). */
  workerEnv?: NodeJS.ProcessEnv;
}

export interface FanOutResult {
  options: FanOutOptions;
  deployments: number;
  totalMs: number;
  workerPeakRssMb: number;
  /** CPU milliseconds each part spent, in total. */
  cpu: PartsCpu;
}

export async function measureFanOut(
  env: TestWorkflowEnvironment,
  bundle: string,
  options: FanOutOptions,
): Promise<FanOutResult> {
  const { environments, perEnvironment, tag, metricsAddress } = options;
  const names = Array.from({ length: environments }, (_, i) => `env-${tag}-${i}`);
  const taskQueue = `bench-fan-out-${tag}`;
  const worker = await startBenchWorker(env, {
    environments: Object.fromEntries(
      names.map((name) => [name, noOpEnvironment(`Stack-${name}`, ['true'], options.nodeSupervisor)]),
    ),
    taskQueue,
    bundle,
    env: { ...(metricsAddress ? { DEPLOY_METRICS_ADDRESS: metricsAddress } : {}), ...options.workerEnv },
  });
  const meter = new CpuMeter(worker.pid, options.serverPid);
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
    const cpu = meter.read();
    if (metricsAddress) {
      // The scrape is part of the cost: what Prometheus would fetch, every 15 s.
      const text = await (await fetch(`http://${metricsAddress}/metrics`)).text();
      if (!text.includes('deployments_finished_total')) throw new Error('the worker served no deployment metrics');
    }
    // One state query, so that the figure is of a worker that still answers.
    await handles[0]?.query(stateQuery);
    return {
      options,
      deployments: names.length * perEnvironment,
      totalMs,
      workerPeakRssMb: peakRssMb(worker.pid),
      cpu,
    };
  } finally {
    await worker.stop('SIGTERM');
    meter.close();
  }
}
