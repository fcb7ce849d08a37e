// An environment's lock with nothing to keep ends after its idle timeout, so that a worker's cache holds the locks of
// busy environments only; the next request starts a new one, handed the old one's lease count and durations.
import { setTimeout as sleep } from 'node:timers/promises';
import { freezeSignal, lockWorkflowId, type EndedLock, stateQuery } from '../src/contract';
import { deployctl } from './helpers/cli';
import { environmentDocument, eventually, outcome, runIntervals, runLog, useCoordinator } from './helpers/coordinator';
import { allWorkflowIds, replayFailures } from './helpers/replay';

const log = runLog();
const coordinator = useCoordinator({
  preview: environmentDocument(log, { idleLockTimeout: '1s' }, 50),
  held: environmentDocument(log, { idleLockTimeout: '1s' }, 50),
});

/** The statuses of an environment's lock runs, oldest first. */
async function lockRuns(environment: string): Promise<Array<{ runId: string; status: string }>> {
  const runs: Array<{ runId: string; status: string; startTime: number }> = [];
  const query = `WorkflowId = '${lockWorkflowId(environment)}'`;
  for await (const execution of coordinator.env.client.workflow.list({ query })) {
    runs.push({ runId: execution.runId, status: execution.status.name, startTime: execution.startTime.getTime() });
  }
  return runs.sort((a, b) => a.startTime - b.startTime).map(({ runId, status }) => ({ runId, status }));
}

async function lockEnded(environment: string): Promise<string> {
  const { runId, status } = await coordinator.env.client.workflow.getHandle(lockWorkflowId(environment)).describe();
  return status.name === 'COMPLETED' ? runId : '';
}

test('an idle lock ends after its timeout; the next request starts one that keeps counting leases', async () => {
  const first = await coordinator.deploy({ environment: 'preview', correlationId: 'idle-1' });
  expect(await outcome(first)).toMatchObject({ status: 'succeeded' });
  const endedRun = await eventually(async () => (await lockEnded('preview')) || undefined, 20_000);
  const ended = (await coordinator.env.client.workflow
    .getHandle(lockWorkflowId('preview'), endedRun, { followRuns: false })
    .result()) as EndedLock;
  expect(ended.nextLease).toBe(2);
  expect(ended.recentDurationsMs).toHaveLength(1);

  const second = await coordinator.deploy({ environment: 'preview', correlationId: 'idle-2' });
  expect(await outcome(second)).toMatchObject({ status: 'succeeded' });
  // A new run, which went on from the old one's lease count: no lease ID is given twice.
  expect((await second.query(stateQuery)).leaseId).toBe('preview#2');
  const runs = await lockRuns('preview');
  expect(runs.length).toBeGreaterThanOrEqual(2);
  expect(runs[0]).toEqual({ runId: endedRun, status: 'COMPLETED' });
  // It also went on from the durations the old one learned (for ETAs): it ends with both.
  const secondEnded = await eventually(async () => {
    const runId = await lockEnded('preview');
    return runId && runId !== endedRun ? runId : undefined;
  }, 20_000);
  const next = (await coordinator.env.client.workflow
    .getHandle(lockWorkflowId('preview'), secondEnded, { followRuns: false })
    .result()) as EndedLock;
  expect(next).toEqual({ nextLease: 3, recentDurationsMs: [ended.recentDurationsMs[0], expect.any(Number)] });
});

test('requests that cross the end of an idle lock are all taken, in turn, none lost', async () => {
  const ids = Array.from({ length: 8 }, (_, i) => `cross-${i}`);
  const endedRuns = async () => (await lockRuns('preview')).filter((run) => run.status === 'COMPLETED').length;
  const endedBefore = await endedRuns();
  for (const [i, correlationId] of ids.entries()) {
    const handle = await coordinator.deploy({ environment: 'preview', correlationId });
    expect(await outcome(handle)).toMatchObject({ status: 'succeeded' });
    // The next request comes about when the lock decides to end: a little before, at, or after its timeout.
    await sleep(850 + 50 * i);
  }
  const intervals = runIntervals(log).filter((run) => ids.includes(run.correlationId));
  expect(intervals.map((run) => run.correlationId)).toEqual(ids);
  for (let i = 1; i < intervals.length; i++) expect(intervals[i]!.start).toBeGreaterThanOrEqual(intervals[i - 1]!.end!);
  // The end was crossed: the lock ended and was started again along the way.
  expect((await endedRuns()) - endedBefore).toBeGreaterThanOrEqual(2);
});

test('a lock frozen by hand keeps running past its idle timeout, and ends once unfrozen', async () => {
  const deployed = await coordinator.deploy({ environment: 'held', correlationId: 'held-1' });
  expect(await outcome(deployed)).toMatchObject({ status: 'succeeded' });
  const lock = coordinator.env.client.workflow.getHandle(lockWorkflowId('held'));
  await lock.signal(freezeSignal, { reason: 'incident 7', by: 'ana' });
  await sleep(3_000);
  expect((await lock.describe()).status.name).toBe('RUNNING');
  await lock.signal(freezeSignal, { reason: 'resolved', lift: true });
  await eventually(async () => (await lockEnded('held')) || undefined, 20_000);
  // An ended lock is an empty queue to deployctl, with no turn to force-release.
  const queue = await deployctl(['queue', '--env', 'held', '--json'], coordinator.cli);
  expect(queue.code).toBe(0);
  expect(JSON.parse(queue.stdout)).toMatchObject({ environment: 'held', holder: null, waiting: [] });
  const released = await deployctl(['force-release', '--env', 'held', '--reason', 'stuck?'], coordinator.cli, {
    GITHUB_ACTOR: 'ana',
  });
  expect(released).toMatchObject({ code: 0 });
  expect(released.stderr).toContain('environment held has no running lock: nothing to release');
});

test('the histories of locks that ended idle, and of their deployments, replay', async () => {
  const ids = [...new Set(await allWorkflowIds(coordinator.env.client))];
  expect(ids).toEqual(expect.arrayContaining([lockWorkflowId('preview'), lockWorkflowId('held')]));
  expect(await replayFailures(coordinator.env.client, ids)).toEqual([]);
});
