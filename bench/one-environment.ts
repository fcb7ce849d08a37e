// Thousands of deployments through one environment, as a long-lived `staging` sees in a quarter: requested in waves
// against the real worker process, through one lock that continues as new as it goes. Measures the handoff from
// one deploy command's end to the next one's start (the commands stamp both), by thousand, the lock's history
// events per handoff, and checks that every request ran once and succeeded.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { deploymentWorkflowId, lockWorkflowId } from '../src/contract/names';
import { noOpEnvironment, startBenchWorker } from './bench-worker';
import { commandHandoffs, readCommandRuns, stampingCommand } from './command-stamps';
import { CpuMeter, type PartsCpu, peakRssMb } from './process-usage';
import { percentile } from './stats';

export interface OneEnvironmentOptions {
  deployments: number;
  /** How many are requested at once; the next wave comes when fewer than `refillBelow` are still queued. */
  wave: number;
  refillBelow: number;
  tag: string;
  /** Run each step under the former Node supervisor as well: the cost before the shell supervisor. */
  nodeSupervisor?: boolean;
  serverPid?: number;
  workerEnv?: NodeJS.ProcessEnv;
}

export interface HandoffSlice {
  /** The slice's first and last handoff (1-based). */
  from: number;
  to: number;
  p50: number;
  p99: number;
}

export interface OneEnvironmentResult {
  options: OneEnvironmentOptions;
  totalMs: number;
  handoffs: number;
  p50: number;
  p99: number;
  /** The handoffs by thousand, first to last. */
  slices: HandoffSlice[];
  /** The lock's runs (continued as new) and their events, all runs together. */
  lockRuns: number;
  lockEvents: number;
  workerPeakRssMb: number;
  cpu: PartsCpu;
}

export async function measureOneEnvironment(
  env: TestWorkflowEnvironment,
  bundle: string,
  options: OneEnvironmentOptions,
): Promise<OneEnvironmentResult> {
  const { deployments, wave, refillBelow, tag } = options;
  const environment = `staging-${tag}`;
  const stamps = stampingCommand();
  const taskQueue = `bench-one-environment-${tag}`;
  const worker = await startBenchWorker(env, {
    environments: { [environment]: noOpEnvironment('Staging', stamps.command, options.nodeSupervisor) },
    taskQueue,
    bundle,
    ...(options.workerEnv ? { env: options.workerEnv } : {}),
  });
  const meter = new CpuMeter(worker.pid, options.serverPid);
  let cpu: PartsCpu;
  let totalMs: number;
  let workerPeakRssMb: number;
  try {
    const started = performance.now();
    const results: Array<Promise<unknown>> = [];
    let finished = 0;
    let failure: unknown;
    const request = async (i: number): Promise<WorkflowHandle> => {
      const correlationId = `s${String(i).padStart(6, '0')}`;
      return env.client.workflow.start('deployment', {
        taskQueue,
        workflowId: deploymentWorkflowId(environment, correlationId),
        args: [{ environment, correlationId, priority: 'normal' }],
      });
    };
    for (let next = 0; next < deployments;) {
      const size = Math.min(wave, deployments - next);
      const handles = await Promise.all(Array.from({ length: size }, (_, i) => request(next + i)));
      next += size;
      for (const handle of handles) {
        results.push(
          handle.result().then(
            () => (finished += 1),
            (err: unknown) => (failure ??= err),
          ),
        );
      }
      // The next wave comes while the queue still holds some: every handoff has its next deployment waiting.
      while (next - finished >= refillBelow && failure === undefined && next < deployments) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      if (failure !== undefined) throw failure;
    }
    await Promise.all(results);
    if (failure !== undefined) throw failure;
    totalMs = performance.now() - started;
    cpu = meter.read();
    workerPeakRssMb = peakRssMb(worker.pid);
  } finally {
    await worker.stop('SIGTERM');
    meter.close();
  }

  const runs = readCommandRuns(stamps.file);
  // Nothing lost, nothing twice: every request's command ran exactly once.
  const ids = new Set(runs.map((run) => run.correlationId));
  if (runs.length !== deployments || ids.size !== deployments) {
    throw new Error(
      `${deployments} deployments succeeded, but their commands ran ${runs.length} times for ${ids.size} of them`,
    );
  }
  const handoffs = commandHandoffs(runs);
  const slices: HandoffSlice[] = [];
  for (let from = 0; from < handoffs.length; from += 1000) {
    const slice = handoffs.slice(from, from + 1000);
    slices.push({ from: from + 1, to: from + slice.length, p50: percentile(slice, 50), p99: percentile(slice, 99) });
  }
  let lockRuns = 0;
  let lockEvents = 0;
  for await (const execution of env.client.workflow.list({ query: `WorkflowId = '${lockWorkflowId(environment)}'` })) {
    const history = await env.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    lockRuns += 1;
    lockEvents += history.events?.length ?? 0;
  }
  return {
    options,
    totalMs,
    handoffs: handoffs.length,
    p50: percentile(handoffs, 50),
    p99: percentile(handoffs, 99),
    slices,
    lockRuns,
    lockEvents,
    workerPeakRssMb,
    cpu,
  };
}
