// queueMode "supersede": a newer request replaces the older waiting one, which ends as superseded.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  type Coordinator,
  environmentDocument,
  eventually,
  Holds,
  queueWhen,
  readRuns,
  runIntervals,
  runLog,
  startCoordinator,
  startDeployment,
} from './helpers/coordinator';
import { startServer } from './helpers/server';

let env: TestWorkflowEnvironment;
let coordinator: Coordinator;
const log = runLog();
const holds = new Holds();

beforeAll(async () => {
  env = await startServer();
  coordinator = await startCoordinator(env, {
    preview: environmentDocument(log, { queueMode: 'supersede' }, 100, holds),
  });
});
afterAll(async () => {
  await coordinator?.stop();
  await env?.teardown();
});

test('only the newest waiting request survives; the running one is left alone', async () => {
  holds.hold('v1');
  const v1 = await startDeployment(env, coordinator.taskQueue, { environment: 'preview', correlationId: 'v1' });
  await eventually(async () => readRuns(log).find((run) => run.correlationId === 'v1'));
  const v2 = await startDeployment(env, coordinator.taskQueue, { environment: 'preview', correlationId: 'v2' });
  await queueWhen(env, 'preview', (view) => view.waiting.some((entry) => entry.correlationId === 'v2'));
  const v3 = await startDeployment(env, coordinator.taskQueue, { environment: 'preview', correlationId: 'v3' });

  expect(await v2.result()).toMatchObject({
    status: 'superseded',
    error: 'superseded by deploy/preview/v3',
    durationMs: null,
  });
  const view = await queueWhen(env, 'preview', (queue) => queue.waiting.length === 1);
  expect(view.holder?.correlationId).toBe('v1');
  expect(view.waiting[0]?.correlationId).toBe('v3');

  holds.release('v1');
  expect(await v1.result()).toMatchObject({ status: 'succeeded' });
  expect(await v3.result()).toMatchObject({ status: 'succeeded' });
  expect(runIntervals(log).map((run) => run.correlationId)).toEqual(['v1', 'v3']);
});
