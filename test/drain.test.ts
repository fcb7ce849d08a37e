// Graceful drain: SIGTERM (or SIGINT) to a worker stops it taking new work and lets its running deploy steps finish
// within DEPLOY_SHUTDOWN_GRACE, then it exits 0; a rolling restart of two workers fails no deployment.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { writeConfig } from './helpers/cli';
import {
  environmentDocument,
  eventually,
  outcome,
  readRuns,
  runIntervals,
  runLog,
  startDeployment,
  waitForRun,
} from './helpers/coordinator';
import { startServer } from './helpers/server';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process';

jest.setTimeout(120_000);

let env: TestWorkflowEnvironment;
const workers = new Set<WorkerProcess>();
const log = runLog();
const configPath = writeConfig({
  // Long enough that a replacement worker starts and takes a deployment while this one still drains, on a loaded
  // machine.
  long: environmentDocument(log, {}, 10_000),
  slow: environmentDocument(log, {}, 5000),
  rolling: environmentDocument(log, {}, 1500),
});
const taskQueue = 'drain';

beforeAll(async () => {
  env = await startServer();
});
afterEach(async () => {
  await Promise.all([...workers].map((worker) => worker.stop('SIGTERM')));
  workers.clear();
});
afterAll(async () => {
  await env?.teardown();
});

async function startWorker(grace?: string): Promise<WorkerProcess> {
  const worker = await startWorkerProcess(configPath, {
    TEMPORAL_ADDRESS: env.address,
    DEPLOY_TASK_QUEUE: taskQueue,
    ...(grace === undefined ? {} : { DEPLOY_SHUTDOWN_GRACE: grace }),
  });
  workers.add(worker);
  return worker;
}

/** The command that ran these deployments, each run ending before the next began. */
function noOverlap(ids: string[]) {
  const runs = runIntervals(log).filter((run) => ids.includes(run.correlationId));
  expect(runs.map((run) => run.correlationId).sort()).toEqual([...ids].sort());
  for (const run of runs) expect(run.end).toBeDefined();
  for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end!);
}

test('SIGTERM with 10 s of deploy command left: it finishes, the deployment succeeds, the worker exits 0', async () => {
  const draining = await startWorker();
  const handle = await startDeployment(env, taskQueue, { environment: 'long', correlationId: 'drained' });
  const started = await waitForRun(log, 'drained');

  const signalled = Date.now();
  const exit = draining.stop('SIGTERM', 60_000);
  await eventually(async () => (draining.output().includes('Draining') ? true : undefined), 5000);
  // The replacement comes up, as a rolling restart brings it; the draining worker takes no new work meanwhile.
  const replacement = await startWorker();
  const next = await startDeployment(env, taskQueue, { environment: 'rolling', correlationId: 'after-drain' });
  await waitForRun(log, 'after-drain');
  expect(draining.exited()).toBe(false);

  expect(await exit).toBe(0);
  const exitedAt = Date.now();
  expect(await outcome(handle)).toMatchObject({ status: 'succeeded' });
  expect(await outcome(next)).toMatchObject({ status: 'succeeded' });
  // The command ran its 10 s to its end, not stopped: the worker waited for it.
  const end = readRuns(log).find((run) => run.correlationId === 'drained' && run.event === 'end')!;
  expect(end.at - started.at).toBeGreaterThanOrEqual(10_000);
  expect(readRuns(log).some((run) => run.correlationId === 'drained' && run.event === 'terminated')).toBe(false);
  expect(exitedAt).toBeGreaterThanOrEqual(end.at);
  expect(exitedAt - signalled).toBeLessThan(30_000);
  // The deployment that came after ran on the replacement, not on the draining worker.
  expect(draining.output()).not.toContain('"correlationId":"after-drain"');
  expect(replacement.output()).toContain('"correlationId":"after-drain"');
});

test('a drain longer than DEPLOY_SHUTDOWN_GRACE stops the command: the deployment fails as WorkerStopped', async () => {
  const draining = await startWorker('2s');
  const handle = await startDeployment(env, taskQueue, { environment: 'slow', correlationId: 'grace-ran-out' });
  await waitForRun(log, 'grace-ran-out');
  const exit = draining.stop('SIGTERM', 60_000);
  await waitForRun(log, 'grace-ran-out', 'terminated');
  expect(await exit).toBe(0);
  await startWorker();
  expect(await outcome(handle)).toMatchObject({
    status: 'failed',
    errorType: 'WorkerStopped',
    error: expect.stringContaining('DEPLOY_SHUTDOWN_GRACE') as unknown,
  });
});

test('two workers restarted in turn during a queue of deployments: none fails, one at a time', async () => {
  const first = await startWorker();
  const second = await startWorker();
  const ids = ['r-1', 'r-2', 'r-3', 'r-4', 'r-5', 'r-6'];
  const handles = [];
  for (const id of ids)
    handles.push(await startDeployment(env, taskQueue, { environment: 'rolling', correlationId: id }));

  await waitForRun(log, 'r-1');
  for (const old of [first, second]) {
    // The rolling restart: the old worker drains while its replacement starts.
    const exit = old.stop('SIGTERM', 60_000);
    workers.delete(old);
    await startWorker();
    expect(await exit).toBe(0);
  }
  const results = await Promise.all(handles.map((handle) => outcome(handle)));
  expect(results.map((result) => result.status)).toEqual(ids.map(() => 'succeeded'));
  noOverlap(ids);
});
