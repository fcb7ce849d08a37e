// The engine's floor: the same measures as handoff.ts (one step's end to the next one's start, timed in the worker)
// and fan-out.ts (many queues at once, wall time), for the few lines of bench/engine-floor/workflows.ts on the same
// server, SDK, worker tuning and deploy command. What the coordinator's own code adds is the difference.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { DEFAULT_TUNING } from '../src/worker/tuning';
import { type CommandRun, commandHandoffs, stampingCommand } from './command-stamps';
import { measureFanOut } from './fan-out';
import { type HandoffServer, measureHandoff } from './handoff';
import { median, percentile } from './stats';
import { startDevServer } from '../src/worker/dev-server';
import { writeWorkflowBundle } from '../src/worker/workflow-bundle';
import { QUIET_BUNDLER } from '../test/helpers/quiet-bundler';

export interface FloorOptions {
  /** Locks, each with its own queue, like environments. */
  environments: number;
  perEnvironment: number;
  /** Names this run's workflows apart from every other run's on the same server. */
  tag: string;
}

export interface FloorResult {
  /** From each step's end to the next one's start under the same lock. */
  handoffs: number[];
  p50: number;
  p99: number;
  /** From the first request to the last deployment's end. */
  totalMs: number;
}

/** The floor's workflows, bundled once for every run in this process (outside any run's timing). */
let floorBundle: Promise<WorkflowBundle> | undefined;
const floorWorkflows = () =>
  (floorBundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('./engine-floor/workflows'),
    logger: QUIET_BUNDLER,
  }));

/** Runs `perEnvironment` floor deployments through each of `environments` floor locks, all requested at once. */
export async function measureEngineFloor(env: HandoffServer, options: FloorOptions): Promise<FloorResult> {
  const { environments, perEnvironment, tag } = options;
  const [program, ...args] = stampingCommand().command as [string, ...string[]];
  const steps = new Map<string, CommandRun[]>();
  const now = () => performance.timeOrigin + performance.now();
  const taskQueue = `bench-engine-floor-${tag}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await floorWorkflows(),
    ...DEFAULT_TUNING,
    activities: {
      // The same command as the coordinator's deploy step, started and awaited the plain way.
      async step(lockId: string, correlationId: string) {
        const start = now();
        await new Promise<void>((resolve, reject) => {
          const child = spawn(program, args, {
            stdio: 'ignore',
            env: { ...process.env, CORRELATION_ID: correlationId },
          });
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`step exited ${code}`))));
        });
        const lockSteps = steps.get(lockId) ?? [];
        lockSteps.push({ correlationId, start, end: now() });
        steps.set(lockId, lockSteps);
      },
    },
  });
  const lockIds = Array.from({ length: environments }, (_, i) => `floor-${tag}-${i}`);
  const started = performance.now();
  await worker.runUntil(async () => {
    const locks = await Promise.all(
      lockIds.map((workflowId) =>
        env.client.workflow.start('floorLock', { taskQueue, workflowId, args: [perEnvironment] }),
      ),
    );
    const deployments = await Promise.all(
      lockIds.flatMap((lockId) =>
        Array.from({ length: perEnvironment }, (_, i) =>
          env.client.workflow.start('floorDeployment', { taskQueue, workflowId: `${lockId}-${i}`, args: [lockId] }),
        ),
      ),
    );
    await Promise.all([...locks, ...deployments].map((handle) => handle.result()));
  });
  const totalMs = performance.now() - started;
  const byLock = [...steps.values()];
  const ran = byLock.reduce((sum, lockSteps) => sum + lockSteps.length, 0);
  // A step run twice (a retried attempt) or never would make the figures those of another run.
  if (ran !== environments * perEnvironment)
    throw new Error(`${ran} floor steps ran, not ${environments * perEnvironment}`);
  const handoffs = byLock.flatMap((lockSteps) => commandHandoffs(lockSteps.sort((a, b) => a.start - b.start)));
  return { handoffs, p50: percentile(handoffs, 50), p99: percentile(handoffs, 99), totalMs };
}

// node dist/bench/engine-floor.js [deployments] [rounds]: the coordinator and the floor, interleaved, each run on a
// fresh tuned dev server: the handoff through one environment and the 50 × 10 fan-out. Prints medians over rounds and
// their ratios.
async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const deployments = Number(process.argv[2] ?? 301);
  const rounds = Number(process.argv[3] ?? 3);
  const bundle = join(mkdtempSync(join(tmpdir(), 'bench-floor-')), 'workflows.js');
  await writeWorkflowBundle(bundle, QUIET_BUNDLER);
  const fanOut = { environments: 50, perEnvironment: 10 };
  type Figures = { p50: number; p99: number; fanOutMs: number };
  const measures: Record<'coordinator' | 'floor', (env: TestWorkflowEnvironment, round: number) => Promise<Figures>> = {
    coordinator: async (env, round) => {
      const { p50, p99 } = await measureHandoff(env, deployments);
      const { totalMs } = await measureFanOut(env, bundle, { ...fanOut, tag: `coordinator-${round}` });
      return { p50, p99, fanOutMs: totalMs };
    },
    floor: async (env, round) => {
      const { p50, p99 } = await measureEngineFloor(env, {
        environments: 1,
        perEnvironment: deployments,
        tag: `handoff-${round}`,
      });
      const { totalMs } = await measureEngineFloor(env, { ...fanOut, tag: `fan-out-${round}` });
      return { p50, p99, fanOutMs: totalMs };
    },
  };
  const results = { coordinator: [] as Figures[], floor: [] as Figures[] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['coordinator', 'floor'] as const) : (['floor', 'coordinator'] as const);
    for (const name of order) {
      const env = await startDevServer();
      const result = await measures[name](env, round).finally(() => env.teardown());
      results[name].push(result);
      console.error(
        `round ${round + 1} ${name}: handoff p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms; ` +
          `50 × 10 ${(result.fanOutMs / 1000).toFixed(1)} s`,
      );
    }
  }
  const row = (name: keyof typeof results) => ({
    p50: median(results[name].map((r) => r.p50)),
    p99: median(results[name].map((r) => r.p99)),
    fanOutMs: median(results[name].map((r) => r.fanOutMs)),
  });
  const [coordinator, floor] = [row('coordinator'), row('floor')];
  const ratio = (key: keyof Figures) => (coordinator[key] / floor[key]).toFixed(2);
  console.log(`| | handoff p50 | handoff p99 | 50 × 10 fan-out |
|---|---|---|---|
| the coordinator | ${coordinator.p50.toFixed(1)} ms | ${coordinator.p99.toFixed(1)} ms | ${(coordinator.fanOutMs / 1000).toFixed(1)} s |
| the engine's floor | ${floor.p50.toFixed(1)} ms | ${floor.p99.toFixed(1)} ms | ${(floor.fanOutMs / 1000).toFixed(1)} s |
| coordinator ÷ floor | ${ratio('p50')} | ${ratio('p99')} | ${ratio('fanOutMs')} |

${rounds} rounds, interleaved; ${deployments} deployments queued for the handoffs; medians over rounds.`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
