// The Temporal server restarts with deployments queued and one running: all resume from history, none is lost,
// and they still run one at a time in order.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startDevServer } from '../src/server/dev-server';
import { writeConfig } from './helpers/cli';
import { freePort } from './helpers/ports';
import {
  environmentDocument,
  eventually,
  Holds,
  queueWhen,
  readRuns,
  runIntervals,
  runLog,
  startDeployment,
} from './helpers/coordinator';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process';

const log = runLog();
const holds = new Holds();
const taskQueue = 'server-restart';
const configPath = writeConfig({ staging: environmentDocument(log, {}, 100, holds) });
const dbFilename = join(mkdtempSync(join(tmpdir(), 'restart-db-')), 'temporal.db');
let server: TestWorkflowEnvironment | undefined;
let worker: WorkerProcess | undefined;

afterAll(async () => {
  await worker?.stop();
  await server?.teardown();
});

test('queued and running deployments survive a server restart', async () => {
  const port = await freePort();
  server = await startDevServer({ dbFilename, port, log: { format: 'json', level: 'error' } });
  worker = await startWorkerProcess(configPath, {
    TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
    DEPLOY_TASK_QUEUE: taskQueue,
  });

  holds.hold('first');
  await startDeployment(server, taskQueue, { environment: 'staging', correlationId: 'first' });
  await eventually(async () => readRuns(log).find((run) => run.correlationId === 'first'));
  for (const correlationId of ['second', 'third']) {
    await startDeployment(server, taskQueue, { environment: 'staging', correlationId });
    await queueWhen(server, 'staging', (view) => view.waiting.some((entry) => entry.correlationId === correlationId));
  }

  await server.teardown();
  server = await startDevServer({ dbFilename, port, log: { format: 'json', level: 'error' } });
  holds.release('first');

  const results = await Promise.all(
    ['first', 'second', 'third'].map((id) => server!.client.workflow.getHandle(`deploy/staging/${id}`).result()),
  );
  expect(results.map((result: { status: string }) => result.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  const runs = runIntervals(log);
  expect(runs.map((run) => run.correlationId)).toEqual(['first', 'second', 'third']);
  for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end!);
});
