// A holder terminated from the Web UI runs no finally: the lock's liveness check passes the turn on.
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
const LIVENESS_MS = 2000;
const coordinator = useCoordinator({
  staging: environmentDocument(log, { livenessCheckInterval: `${LIVENESS_MS}ms` }, 100, holds),
});

test('a terminated holder is noticed within one liveness check and the next deployment runs', async () => {
  holds.hold('doomed');
  const doomed = await coordinator.deploy({ environment: 'staging', correlationId: 'doomed' });
  await waitForRun(log, 'doomed');
  const next = await coordinator.deploy({ environment: 'staging', correlationId: 'after' });
  await coordinator.queueWhen('staging', (view) => view.waiting.some((entry) => entry.correlationId === 'after'));

  // A live holder is not dropped: two checks pass with it still holding.
  await new Promise((resolve) => setTimeout(resolve, 2 * LIVENESS_MS + 500));
  expect((await coordinator.queueWhen('staging', () => true)).holder?.correlationId).toBe('doomed');

  const terminatedAt = Date.now();
  await doomed.terminate('stuck in the UI');
  expect(await outcome(next)).toMatchObject({ status: 'succeeded' });
  const after = runIntervals(log).find((run) => run.correlationId === 'after');
  // One liveness interval, plus slack for a loaded machine.
  expect(after!.start - terminatedAt).toBeLessThan(LIVENESS_MS + 5000);
  holds.release('doomed');
});
