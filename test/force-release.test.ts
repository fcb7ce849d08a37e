// Force-release: the lock revokes its holder, which stops and ends as revoked; the turn passes on only once the
// holder's deploy command is gone, so two deploy commands never run at once.
import { lockWorkflowId } from '../src/names';
import { forceReleaseSignal } from '../src/workflows/messages';
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

  expect(await stuck.result()).toMatchObject({
    status: 'revoked',
    error: 'force-released: runner lost',
    stepCompleted: false,
  });
  expect(await next.result()).toMatchObject({ status: 'succeeded' });
  const runs = runIntervals(log);
  const stuckRun = runs.find((run) => run.correlationId === 'stuck');
  expect(stuckRun?.terminated).toEqual(expect.any(Number));
  expect(runs.find((run) => run.correlationId === 'next')!.start).toBeGreaterThan(stuckRun!.terminated!);
  const view = await coordinator.queueWhen('production', (queue) => queue.holder === null);
  expect(view.waiting).toEqual([]);
  holds.release('stuck');
});

test('a holder force-released as its command finishes ends revoked and never overlaps the next, 20 times', async () => {
  const lock = coordinator.env.client.workflow.getHandle(lockWorkflowId('production'));
  for (let round = 0; round < 20; round += 1) {
    const holderId = `finishing-${round}`;
    const nextId = `following-${round}`;
    holds.hold(holderId);
    const holder = await coordinator.deploy({ environment: 'production', correlationId: holderId });
    await waitForRun(log, holderId);
    const next = await coordinator.deploy({ environment: 'production', correlationId: nextId });
    await coordinator.queueWhen('production', (view) => view.waiting.some((entry) => entry.correlationId === nextId));

    // The revoke is on its way to the holder while its command runs to its end (within tens of milliseconds).
    await lock.signal(forceReleaseSignal, { reason: `round ${round}` });
    await new Promise((resolve) => setTimeout(resolve, (round % 5) * 10));
    holds.release(holderId);

    const result = await holder.result();
    expect(result).toMatchObject({ status: 'revoked', error: `force-released: round ${round}` });
    expect(await next.result()).toMatchObject({ status: 'succeeded' });
    const runs = runIntervals(log);
    const held = runs.find((run) => run.correlationId === holderId)!;
    const following = runs.find((run) => run.correlationId === nextId)!;
    expect(following.start).toBeGreaterThan(held.end ?? held.terminated ?? Infinity);
    // The result says whether the step had run to its end: as the command itself recorded.
    expect(result.stepCompleted).toBe(held.terminated === undefined);
  }
}, 300_000);

test('force-release of an environment without a lock says so and exits 0', async () => {
  const result = await deployctl(['force-release', '--env', 'nowhere', '--reason', 'check'], coordinator.cli);
  expect(result.code).toBe(0);
  expect(result.stderr).toContain('nothing to release');
});
