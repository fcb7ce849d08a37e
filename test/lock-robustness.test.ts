// The lock survives what broke the official mutex sample: a repeated request, and a grant to a closed deployment.
import { lockWorkflowId } from '../src/contract/names';
import { releaseAnswerQuery, releaseTurnSignal, requestTurnSignal, stateQuery } from '../src/contract';
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
  // A lease granted and given back is answered as released (the deployment's own release read the same answer).
  expect(await lock.query(releaseAnswerQuery, leaseId)).toEqual({});
  // Many releases later (a retry can come after a worker's loss, whatever the lock took meanwhile).
  const between = await Promise.all(
    Array.from({ length: 25 }, (_, i) => coordinator.deploy({ environment: 'staging', correlationId: `r-${i}` })),
  );
  for (const deployment of between) expect(await outcome(deployment)).toMatchObject({ status: 'succeeded' });
  holds.hold('r-later');
  const later = await coordinator.deploy({ environment: 'staging', correlationId: 'r-later' });
  await waitForRun(log, 'r-later');

  // The same release again, as a retried local activity sends it: the later holder keeps the turn.
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
