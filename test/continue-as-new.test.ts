// The lock continues as new when its history grows (threshold lowered to 40 events), carrying holder and queue.
import {
  environmentDocument,
  eventually,
  Holds,
  runIntervals,
  runLog,
  useCoordinator,
  outcome,
} from './helpers/coordinator';

const log = runLog();
const holds = new Holds();
const coordinator = useCoordinator(
  { staging: environmentDocument(log, {}, 50, holds) },
  { serverArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=40'] },
);

async function lockRunStatuses(): Promise<string[]> {
  const statuses = [];
  for await (const execution of coordinator.env.client.workflow.list({ query: `WorkflowId = 'env-lock/staging'` })) {
    statuses.push(execution.status.name);
  }
  return statuses;
}

test('the queue survives several continue-as-new runs of the lock with no deployment lost or overlapping', async () => {
  const ids = Array.from({ length: 25 }, (_, i) => `can-${String(i).padStart(2, '0')}`);
  holds.hold('can-00');
  const handles = [];
  for (const correlationId of ids) {
    handles.push(await coordinator.deploy({ environment: 'staging', correlationId }));
    if (correlationId === 'can-00')
      await coordinator.queueWhen('staging', (queue) => queue.holder?.correlationId === 'can-00');
  }
  // While the first holds the turn and 24 wait, the lock has already continued as new: the queue was carried.
  const view = await coordinator.queueWhen('staging', (queue) => queue.waiting.length === ids.length - 1);
  expect(view.holder?.correlationId).toBe('can-00');
  await eventually(async () => ((await lockRunStatuses()).includes('CONTINUED_AS_NEW') ? true : undefined));
  holds.release('can-00');

  const results = await Promise.all(handles.map((handle) => outcome(handle)));
  expect(results.map((result) => result.status)).toEqual(ids.map(() => 'succeeded'));

  const runs = runIntervals(log);
  expect(runs.map((run) => run.correlationId).sort()).toEqual(ids);
  for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end!);

  const lockRuns = await lockRunStatuses();
  // Several runs ended by continue-as-new, and the newest is still serving.
  expect(lockRuns.filter((status) => status === 'CONTINUED_AS_NEW').length).toBeGreaterThanOrEqual(2);
  expect(lockRuns.filter((status) => status === 'RUNNING')).toHaveLength(1);
});
