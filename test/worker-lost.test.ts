// A worker lost mid-deploy, however it is lost: its deploy command dies with it within a second, the deployment
// ends, and only then does the next deployment run: never two deploy steps at once.
import { readFileSync } from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { writeConfig } from './helpers/cli';
import {
  environmentDocument,
  eventually,
  Holds,
  isRunning,
  readRuns,
  runIntervals,
  runLog,
  startDeployment,
  waitForRun,
  outcome,
} from './helpers/coordinator';
import { startServer } from './helpers/server';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process';

let env: TestWorkflowEnvironment;
const workers = new Set<WorkerProcess>();
const log = runLog();
const holds = new Holds();
const taskQueue = 'worker-lost';
const document = environmentDocument(log, {}, 100, holds);
const configPath = writeConfig({
  staging: { ...document, deploy: { ...document.deploy, heartbeatTimeout: '3s', killGracePeriod: '1s' } },
});

beforeAll(async () => {
  env = await startServer();
});
// Each case starts with no worker: its deployment must run on the worker it then loses.
afterEach(async () => {
  await Promise.all([...workers].map((worker) => worker.stop('SIGTERM')));
  workers.clear();
});
afterAll(async () => {
  await env?.teardown();
});

async function startWorker(): Promise<WorkerProcess> {
  const worker = await startWorkerProcess(configPath, {
    TEMPORAL_ADDRESS: env.address,
    DEPLOY_TASK_QUEUE: taskQueue,
  });
  workers.add(worker);
  return worker;
}

// How the worker is lost, what the deployment's error says, and its failure type (where one is certain).
const losses: Array<[string, (worker: WorkerProcess) => Promise<unknown>, RegExp, string | undefined]> = [
  [
    'SIGKILL to the worker alone',
    (worker) => worker.stop('SIGKILL'),
    /lost the worker running the deploy step/,
    'WorkerLost',
  ],
  [
    "SIGKILL to the worker's whole process group",
    (worker) => worker.stopGroup('SIGKILL'),
    /lost the worker running the deploy step/,
    'WorkerLost',
  ],
  [
    // The first drains the worker (its command would run on), the second stops it now.
    "SIGTERM twice to the worker's whole process group",
    async (worker) => {
      void worker.stopGroup('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 200));
      return worker.stopGroup('SIGTERM');
    },
    /the worker running the deploy command was stopped \(a second stop signal\)/,
    'WorkerStopped',
  ],
];

test.each(losses)(
  '%s: the command dies within a second; the next deployment runs only after',
  async (_, lose, why, type) => {
    const id = `lost-${Math.random().toString(36).slice(2, 8)}`;
    const nextId = `after-${id}`;
    const doomed = await startWorker();
    holds.hold(id);
    const lost = await startDeployment(env, taskQueue, { environment: 'staging', correlationId: id });
    const started = await waitForRun(log, id);
    const after = await startDeployment(env, taskQueue, { environment: 'staging', correlationId: nextId });

    const lostAt = Date.now();
    await lose(doomed);
    workers.delete(doomed);
    // Still held, yet gone: the supervisor stopped the command's process group when the worker went.
    await eventually(async () => (isRunning(started.pid) ? undefined : true), 5000);
    expect(Date.now() - lostAt).toBeLessThan(1000);
    const terminated = readRuns(log).find((run) => run.correlationId === id && run.event === 'terminated');
    expect(terminated!.at - lostAt).toBeLessThan(1000);

    await startWorker();
    const result = await outcome(lost);
    expect(result).toMatchObject({ status: 'failed', error: expect.stringMatching(why) as unknown });
    if (type !== undefined) expect(result.errorType).toBe(type);
    // Measured from the turn to the end, in workflow time, whichever worker finished it.
    const state = await lost.query<{ startedAt: number; finishedAt: number }>('state');
    expect(result.durationMs).toBe(state.finishedAt - state.startedAt);
    expect(result.durationMs).toBeGreaterThan(0);
    expect(await outcome(after)).toMatchObject({ status: 'succeeded' });

    const runs = runIntervals(log).filter((run) => run.correlationId === id || run.correlationId === nextId);
    expect(runs.map((run) => run.correlationId)).toEqual([id, nextId]);
    expect(runs[1]!.start).toBeGreaterThan(runs[0]!.terminated!);
    holds.release(id);
  },
);

test('a worker lost beside a live one: the live worker finishes the deployment with its real duration', async () => {
  const id = `lost-beside-${Math.random().toString(36).slice(2, 8)}`;
  const pair = [await startWorker(), await startWorker()];
  holds.hold(id);
  const lost = await startDeployment(env, taskQueue, { environment: 'staging', correlationId: id });
  const started = await waitForRun(log, id);
  // The command's parent is the worker that runs its step (the supervisor became the command).
  const parent = Number(readFileSync(`/proc/${started.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  const doomed = pair.find((worker) => worker.pid === parent)!;
  expect(doomed).toBeDefined();
  await doomed.stop('SIGKILL');
  workers.delete(doomed);
  await eventually(async () => (isRunning(started.pid) ? undefined : true), 5000);

  const result = await outcome(lost);
  expect(result.status).toBe('failed');
  expect(result.errorType).toBe('WorkerLost');
  const state = await lost.query<{ startedAt: number; finishedAt: number }>('state');
  expect(result.durationMs).toBe(state.finishedAt - state.startedAt);
  expect(result.durationMs).toBeGreaterThanOrEqual(3000); // at least the heartbeat timeout
  holds.release(id);
});
