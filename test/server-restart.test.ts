// The Temporal server restarts with deployments queued and one running: all resume from history, none is lost,
// and they still run one at a time in order. A runner cut off from the server stops its command on its own.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startDevServer } from '../src/worker/dev-server';
import { startDeployctl, writeConfig } from './helpers/cli';
import { freePort } from './helpers/ports';
import {
  DEPLOY_STEP,
  environmentDocument,
  eventually,
  Holds,
  queueWhen,
  readRuns,
  runIntervals,
  runLog,
  startDeployment,
  waitForRun,
  outcome,
} from './helpers/coordinator';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process';

const log = runLog();
const holds = new Holds();
const taskQueue = 'server-restart';
const configPath = writeConfig({
  staging: environmentDocument(log, {}, 100, holds),
  // deployctl run's environment: its runners may be silent for 8 s (the waiting runner reconnects after the restart
  // with the client's backoff, seconds on a loaded machine, and must still claim its turn within it).
  runners: environmentDocument(runLog(), { runnerHeartbeatTimeout: '8s' }),
});
const dbFilename = join(mkdtempSync(join(tmpdir(), 'restart-db-')), 'temporal.db');
let server: TestWorkflowEnvironment | undefined;
let worker: WorkerProcess | undefined;

afterAll(async () => {
  await worker?.stop();
  await server?.teardown();
});

// One server and worker for the file: each test restarts the server on its database.
const port = freePort();

beforeAll(async () => {
  server = await startDevServer({ dbFilename, port: await port, log: { format: 'json', level: 'error' } });
  worker = await startWorkerProcess(configPath, {
    TEMPORAL_ADDRESS: `127.0.0.1:${await port}`,
    DEPLOY_TASK_QUEUE: taskQueue,
  });
});

test('queued and running deployments survive a server restart', async () => {
  holds.hold('first');
  await startDeployment(server!, taskQueue, { environment: 'staging', correlationId: 'first' });
  await eventually(async () => readRuns(log).find((run) => run.correlationId === 'first'));
  for (const correlationId of ['second', 'third']) {
    await startDeployment(server!, taskQueue, { environment: 'staging', correlationId });
    await queueWhen(server!, 'staging', (view) => view.waiting.some((entry) => entry.correlationId === correlationId));
  }

  await server!.teardown();
  server = await startDevServer({ dbFilename, port: await port, log: { format: 'json', level: 'error' } });
  holds.release('first');

  const results = await Promise.all(
    ['first', 'second', 'third'].map((id) => outcome(server!.client.workflow.getHandle(`deploy/staging/${id}`))),
  );
  expect(results.map((result: { status: string }) => result.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  const runs = runIntervals(log);
  expect(runs.map((run) => run.correlationId)).toEqual(['first', 'second', 'third']);
  for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end!);
});

test('a runner cut off from Temporal stops its command, then the turn passes (after the restart)', async () => {
  const target = { address: `127.0.0.1:${await port}`, taskQueue, configPath };
  const step = (id: string) => [
    'run',
    '--env',
    'runners',
    '--correlation-id',
    id,
    '--',
    'node',
    DEPLOY_STEP,
    '--log',
    log,
    '--hold-dir',
    holds.dir,
  ];
  holds.hold('cut-off');
  const cutOff = startDeployctl(step('cut-off'), target);
  await eventually(async () => readRuns(log).find((run) => run.correlationId === 'cut-off'));
  const next = startDeployctl(step('after-cut-off'), target);
  await queueWhen(server!, 'runners', (view) => view.waiting.some((entry) => entry.correlationId === 'after-cut-off'));

  await server!.teardown();
  const downAt = Date.now();
  const stopped = await waitForRun(log, 'cut-off', 'terminated');
  // Half the heartbeat timeout, then the stop (its grace is a quarter): done before the deployment could call it lost.
  expect(stopped.at - downAt).toBeLessThan(8000);
  const run = await cutOff.result;
  expect(run.code).toBe(69);
  expect(run.stderr).toContain('could not reach Temporal for 4s: stopped the command');

  server = await startDevServer({ dbFilename, port: await port, log: { format: 'json', level: 'error' } });
  const lost = await outcome(server.client.workflow.getHandle('deploy/runners/cut-off'));
  expect(lost).toMatchObject({ status: 'failed', errorType: 'RunnerLost' });
  const after = await next.result;
  expect(after.code).toBe(0);
  expect((await waitForRun(log, 'after-cut-off', 'start')).at).toBeGreaterThan(stopped.at);
  holds.release('cut-off');
});
