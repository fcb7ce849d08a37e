// Force-release: the lock drops its holder at once and passes the turn on; the holder stops and ends as revoked.
import { deployctl } from './helpers/cli';
import { environmentDocument, Holds, runIntervals, runLog, useCoordinator, waitForRun } from './helpers/coordinator';

const log = runLog();
const holds = new Holds();
const coordinator = useCoordinator({ production: environmentDocument(log, {}, 100, holds) });

test('force-release revokes the holder and hands the turn to the next deployment', async () => {
  holds.hold('stuck');
  const stuck = await coordinator.deploy({
    environment: 'production',
    correlationId: 'stuck',
  });
  await waitForRun(log, 'stuck');
  const next = await coordinator.deploy({ environment: 'production', correlationId: 'next' });
  await coordinator.queueWhen('production', (view) => view.waiting.some((entry) => entry.correlationId === 'next'));

  const released = await deployctl(
    ['force-release', '--env', 'production', '--reason', 'runner lost'],
    coordinator.cli,
  );
  expect(released.code).toBe(0);

  expect(await stuck.result()).toMatchObject({ status: 'revoked', error: 'force-released: runner lost' });
  expect(await next.result()).toMatchObject({ status: 'succeeded' });
  expect(runIntervals(log).find((run) => run.correlationId === 'stuck')?.terminated).toEqual(expect.any(Number));
  const view = await coordinator.queueWhen('production', (queue) => queue.holder === null);
  expect(view.waiting).toEqual([]);
  holds.release('stuck');
});

test('force-release of an environment without a lock says so and exits 0', async () => {
  const result = await deployctl(['force-release', '--env', 'nowhere', '--reason', 'check'], coordinator.cli);
  expect(result.code).toBe(0);
  expect(result.stderr).toContain('nothing to release');
});
