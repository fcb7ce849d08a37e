// queueMode "supersede": a newer request replaces the older waiting one, which ends as superseded.
import {
  environmentDocument,
  Holds,
  runIntervals,
  runLog,
  useCoordinator,
  waitForRun,
  outcome,
} from './helpers/coordinator';

const log = runLog();
const holds = new Holds();
const coordinator = useCoordinator({ preview: environmentDocument(log, { queueMode: 'supersede' }, 100, holds) });

test('only the newest waiting request survives; the running one is left alone', async () => {
  holds.hold('v1');
  const v1 = await coordinator.deploy({ environment: 'preview', correlationId: 'v1' });
  await waitForRun(log, 'v1');
  const v2 = await coordinator.deploy({ environment: 'preview', correlationId: 'v2' });
  await coordinator.queueWhen('preview', (view) => view.waiting.some((entry) => entry.correlationId === 'v2'));
  const v3 = await coordinator.deploy({ environment: 'preview', correlationId: 'v3' });

  expect(await outcome(v2)).toMatchObject({
    status: 'superseded',
    error: 'superseded by deploy/preview/v3',
    durationMs: null,
  });
  const view = await coordinator.queueWhen('preview', (queue) => queue.waiting.length === 1);
  expect(view.holder?.correlationId).toBe('v1');
  expect(view.waiting[0]?.correlationId).toBe('v3');

  holds.release('v1');
  expect(await outcome(v1)).toMatchObject({ status: 'succeeded' });
  expect(await outcome(v3)).toMatchObject({ status: 'succeeded' });
  expect(runIntervals(log).map((run) => run.correlationId)).toEqual(['v1', 'v3']);
});
