// The lock continues as new when its history grows (threshold lowered to 40 events), carrying holder and queue.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  type Coordinator,
  environmentDocument,
  eventually,
  Holds,
  queueWhen,
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

async function lockRunStatuses(): Promise<string[]> {
  const statuses = [];
  for await (const execution of env.client.workflow.list({ query: `WorkflowId = 'env-lock/staging'` })) {
    statuses.push(execution.status.name);
  }
  return statuses;
}

beforeAll(async () => {
  env = await startServer(['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=40']);
  coordinator = await startCoordinator(env, { staging: environmentDocument(log, {}, 50, holds) });
});
afterAll(async () => {
  await coordinator?.stop();
  await env?.teardown();
});

test('the queue survives several continue-as-new runs of the lock with no deployment lost or overlapping', async () => {
  const ids = Array.from({ length: 25 }, (_, i) => `can-${String(i).padStart(2, '0')}`);
  holds.hold('can-00');
  const handles = [];
  for (const correlationId of ids) {
    handles.push(await startDeployment(env, coordinator.taskQueue, { environment: 'staging', correlationId }));
    if (correlationId === 'can-00')
      await queueWhen(env, 'staging', (queue) => queue.holder?.correlationId === 'can-00');
  }
  // While the first holds the turn and 24 wait, the lock has already continued as new: the queue was carried.
  const view = await queueWhen(env, 'staging', (queue) => queue.waiting.length === ids.length - 1);
  expect(view.holder?.correlationId).toBe('can-00');
  await eventually(async () => ((await lockRunStatuses()).includes('CONTINUED_AS_NEW') ? true : undefined));
  holds.release('can-00');

  const results = await Promise.all(handles.map((handle) => handle.result()));
  expect(results.map((result) => result.status)).toEqual(ids.map(() => 'succeeded'));

  const runs = runIntervals(log);
  expect(runs.map((run) => run.correlationId).sort()).toEqual(ids);
  for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end!);

  const lockRuns = await lockRunStatuses();
  // Several runs ended by continue-as-new, and the newest is still serving.
  expect(lockRuns.filter((status) => status === 'CONTINUED_AS_NEW').length).toBeGreaterThanOrEqual(2);
  expect(lockRuns.filter((status) => status === 'RUNNING')).toHaveLength(1);
});
