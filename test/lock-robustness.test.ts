// The lock survives what broke the official mutex sample: a repeated request, and a grant to a closed deployment.
import { lockWorkflowId } from '../src/contract/names';
import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import {
  releaseAnswerQuery,
  releaseTurnSignal,
  releaseTurnUpdate,
  requestTurnSignal,
  stateQuery,
} from '../src/contract';
import {
  environmentDocument,
  Holds,
  readRuns,
  runLog,
  turnRequest,
  useCoordinator,
  waitForRun,
  outcome,
} from './helpers/coordinator';

const log = runLog();
const holds = new Holds();
const coordinator = useCoordinator({ staging: environmentDocument(log, {}, 100, holds) });

/** The request an activity sends, sent again as a retry would: from the same run of the deployment. */
async function sendRequest(workflowId: string) {
  const runId = await coordinator.env.client.workflow
    .getHandle(workflowId)
    .describe()
    .then((description) => description.runId)
    .catch(() => 'a-run-that-has-gone');
  return coordinator.env.client.workflow.signalWithStart('environmentLock', {
    workflowId: lockWorkflowId('staging'),
    taskQueue: coordinator.taskQueue,
    args: [{ environment: 'staging' }],
    signal: requestTurnSignal,
    signalArgs: [turnRequest(workflowId, { runId })],
  });
}

test('a repeated request does not queue the same deployment twice', async () => {
  holds.hold('dup-holder');
  const holder = await coordinator.deploy({
    environment: 'staging',
    correlationId: 'dup-holder',
  });
  await waitForRun(log, 'dup-holder');
  const waiter = await coordinator.deploy({
    environment: 'staging',
    correlationId: 'dup-waiter',
  });
  await coordinator.queueWhen('staging', (view) => view.waiting.length === 1);

  await sendRequest('deploy/staging/dup-waiter');
  await sendRequest('deploy/staging/dup-holder');
  const view = await coordinator.queueWhen('staging', () => true);
  expect(view.holder?.correlationId).toBe('dup-holder');
  expect(view.waiting.map((entry) => entry.correlationId)).toEqual(['dup-waiter']);

  holds.release('dup-holder');
  expect(await outcome(holder)).toMatchObject({ status: 'succeeded' });
  expect(await outcome(waiter)).toMatchObject({ status: 'succeeded' });
  expect(readRuns(log).filter((run) => run.correlationId === 'dup-waiter' && run.event === 'start')).toHaveLength(1);
});

test('a grant to a deployment that no longer runs passes the turn on instead of failing the lock', async () => {
  holds.hold('g-holder');
  const holder = await coordinator.deploy({
    environment: 'staging',
    correlationId: 'g-holder',
  });
  await waitForRun(log, 'g-holder');
  // Queued by a deployment that has since closed (here: one that never existed).
  await sendRequest('deploy/staging/ghost');
  const next = await coordinator.deploy({ environment: 'staging', correlationId: 'g-next' });
  await coordinator.queueWhen('staging', (view) => view.waiting.length === 2);

  holds.release('g-holder');
  expect(await outcome(holder)).toMatchObject({ status: 'succeeded' });
  expect(await outcome(next)).toMatchObject({ status: 'succeeded' });
  const description = await coordinator.env.client.workflow.getHandle(lockWorkflowId('staging')).describe();
  expect(description.status.name).toBe('RUNNING');
  const view = await coordinator.queueWhen('staging', (queue) => queue.holder === null);
  expect(view.waiting).toEqual([]);
});

test('a release sent again, however late, gets the same answer and frees no later holder', async () => {
  const first = await coordinator.deploy({ environment: 'staging', correlationId: 'r-first' });
  expect(await outcome(first)).toMatchObject({ status: 'succeeded' });
  const { leaseId } = await first.query(stateQuery);
  if (leaseId === undefined) throw new Error('the deployment held no lease');
  const lock = coordinator.env.client.workflow.getHandle(lockWorkflowId('staging'));
  // It gave the turn back by the releaseTurn update, answered as released in the lock's task that took it.
  expect(await releaseUpdates(lock)).toContainEqual({ updateId: `release/${leaseId}`, answer: {} });
  // The query of locks before 1.9 answers the same.
  expect(await lock.query(releaseAnswerQuery, leaseId)).toEqual({});
  // Many releases later (a retry can come after a worker's loss, whatever the lock took meanwhile).
  const between = await Promise.all(
    Array.from({ length: 25 }, (_, i) => coordinator.deploy({ environment: 'staging', correlationId: `r-${i}` })),
  );
  for (const deployment of between) expect(await outcome(deployment)).toMatchObject({ status: 'succeeded' });
  holds.hold('r-later');
  const later = await coordinator.deploy({ environment: 'staging', correlationId: 'r-later' });
  await waitForRun(log, 'r-later');

  // The same release again, as a retried local activity sends it (by update, or by signal where the update is not
  // taken): the later holder keeps the turn.
  const again = `release/${leaseId}/again`;
  expect(await lock.executeUpdate(releaseTurnUpdate, { args: [{ leaseId, durationMs: 1 }], updateId: again })).toEqual(
    {},
  );
  await lock.signal(releaseTurnSignal, { leaseId, durationMs: 1 });
  // A lease the lock never had is stale: its answer says the turn had gone on.
  await lock.signal(releaseTurnSignal, { leaseId: 'staging#999', durationMs: 1 });
  expect(await lock.query(releaseAnswerQuery, 'staging#999')).toEqual({
    revokedReason: 'the lock had passed the turn on',
  });
  expect(await lock.query(releaseAnswerQuery, leaseId)).toEqual({});
  const view = await coordinator.queueWhen('staging', () => true);
  expect(view.holder?.correlationId).toBe('r-later');

  holds.release('r-later');
  expect(await outcome(later)).toMatchObject({ status: 'succeeded' });
});

/** The releaseTurn updates in the lock's history: their IDs and answers. */
async function releaseUpdates(lock: WorkflowHandle): Promise<Array<{ updateId: string; answer: unknown }>> {
  const events = (await lock.fetchHistory()).events ?? [];
  const names = new Map<string, string>();
  for (const event of events) {
    const request = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
    if (request?.meta?.updateId && request.input?.name) names.set(request.meta.updateId, request.input.name);
  }
  return events.flatMap((event) => {
    const completed = event.workflowExecutionUpdateCompletedEventAttributes;
    const updateId = completed?.meta?.updateId;
    const payload = completed?.outcome?.success?.payloads?.[0];
    if (!updateId || !payload || names.get(updateId) !== releaseTurnUpdate.name) return [];
    return [{ updateId, answer: defaultPayloadConverter.fromPayload(payload) }];
  });
}
