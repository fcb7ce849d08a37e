// A holder terminated from the Web UI runs no finally: the lock's liveness check passes the turn on.
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
const LIVENESS_MS = 2000;

beforeAll(async () => {
  env = await startServer();
  coordinator = await startCoordinator(env, {
    staging: environmentDocument(log, { livenessCheckInterval: `${LIVENESS_MS}ms` }, 100, holds),
  });
});
afterAll(async () => {
  await coordinator?.stop();
  await env?.teardown();
});

test('a terminated holder is noticed within one liveness check and the next deployment runs', async () => {
  holds.hold('doomed');
  const doomed = await startDeployment(env, coordinator.taskQueue, { environment: 'staging', correlationId: 'doomed' });
  await eventually(async () => readRuns(log).find((run) => run.correlationId === 'doomed'));
  const next = await startDeployment(env, coordinator.taskQueue, { environment: 'staging', correlationId: 'after' });
  await queueWhen(env, 'staging', (view) => view.waiting.some((entry) => entry.correlationId === 'after'));

  // A live holder is not dropped: two checks pass with it still holding.
  await new Promise((resolve) => setTimeout(resolve, 2 * LIVENESS_MS + 500));
  expect((await queueWhen(env, 'staging', () => true)).holder?.correlationId).toBe('doomed');

  const terminatedAt = Date.now();
  await doomed.terminate('stuck in the UI');
  expect(await next.result()).toMatchObject({ status: 'succeeded' });
  const after = runIntervals(log).find((run) => run.correlationId === 'after');
  // One liveness interval, plus slack for a loaded machine.
  expect(after!.start - terminatedAt).toBeLessThan(LIVENESS_MS + 3000);
  holds.release('doomed');
});
