// Handoff latency: from one deployment's deploy step ending to the next waiting deployment's deploy step starting.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { Context } from '@temporalio/activity';
import { parseConfig } from '../src/config/deploy-config';
import { createWorker } from '../src/worker/create-worker';
import { deploymentWorkflowId } from '../src/contract/names';
import { commandHandoffs, readCommandRuns, stampingCommand } from './command-stamps';
import { percentile } from './stats';

interface StepTiming {
  workflowId: string;
  start: number;
  end: number;
}

export interface HandoffResult {
  handoffs: number[];
  p50: number;
  p99: number;
  max: number;
  /** From one deploy command's exit to the next one's start, as the commands stamped them. */
  commands: { p50: number; p99: number; max: number };
}

/** What the handoff needs of a server: the dev server's test environment, or a client and connection of another. */
export type HandoffServer = Pick<TestWorkflowEnvironment, 'nativeConnection' | 'client' | 'namespace'>;

export async function measureHandoff(env: HandoffServer, deployments: number): Promise<HandoffResult> {
  const timings: StepTiming[] = [];
  // Times the deploy step itself, inside the worker: no polling or client delay in the figure.
  const timeDeploySteps: ActivityInterceptorsFactory = (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        if (ctx.info.activityType !== 'runDeployCommand') return next(input);
        const start = performance.timeOrigin + performance.now();
        try {
          return await next(input);
        } finally {
          timings.push({
            workflowId: ctx.info.workflowExecution?.workflowId ?? '',
            start,
            end: performance.timeOrigin + performance.now(),
          });
        }
      },
    },
  });
  const taskQueue = 'bench-handoff';
  const stamps = stampingCommand();
  const config = parseConfig({
    environments: {
      handoff: { stackName: 'BenchStack', lockWaitTimeout: '1h', deploy: { type: 'command', command: stamps.command } },
    },
  });
  const worker = await createWorker({
    connection: env.nativeConnection,
    client: env.client,
    namespace: env.namespace ?? 'default',
    taskQueue,
    config,
    interceptors: { activity: [timeDeploySteps] },
  });
  await worker.runUntil(async () => {
    const handles = await Promise.all(
      Array.from({ length: deployments }, (_, i) =>
        env.client.workflow.start('deployment', {
          taskQueue,
          workflowId: deploymentWorkflowId('handoff', `handoff-${i}`),
          args: [{ environment: 'handoff', correlationId: `handoff-${i}`, priority: 'normal' }],
        }),
      ),
    );
    await Promise.all(handles.map((handle) => handle.result()));
  });
  timings.sort((a, b) => a.start - b.start);
  const handoffs = timings.slice(1).map((timing, i) => timing.start - (timings[i]?.end ?? timing.start));
  if (handoffs.some((gap) => gap < 0)) throw new Error('deploy steps overlapped: the lock is broken');
  const commands = commandHandoffs(readCommandRuns(stamps.file));
  return {
    handoffs,
    p50: percentile(handoffs, 50),
    p99: percentile(handoffs, 99),
    max: Math.max(...handoffs),
    commands: { p50: percentile(commands, 50), p99: percentile(commands, 99), max: Math.max(...commands) },
  };
}
