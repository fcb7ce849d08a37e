// Force-release: the lock revokes its holder, which stops and ends as revoked; the turn passes on only once the
// holder's deploy command is gone, so two deploy commands never run at once.
import { lockWorkflowId } from '../src/contract/names';
import { forceReleaseSignal, forceReleaseUpdate, requestTurnSignal, revokedSignal } from '../src/contract';
import { deployctl } from './helpers/cli';
import {
  environmentDocument,
  eventually,
  Holds,
  isRunning,
  runIntervals,
  runLog,
  turnRequest,
  useCoordinator,
  waitForRun,
  outcome,
} from './helpers/coordinator';

const log = runLog();
const holds = new Holds();
const stubborn = environmentDocument(log, {}, 100, holds);
const coordinator = useCoordinator({
  production: environmentDocument(log, {}, 100, holds),
  // Its command ignores SIGTERM: only the SIGKILL after the grace period stops it. The grace leaves deployctl
  // queue time to start and look while the revoked holder still holds, even on a loaded machine.
  stubborn: {
    ...stubborn,
    deploy: { ...stubborn.deploy, command: [...stubborn.deploy.command, '--ignore-sigterm'], killGracePeriod: '5s' },
  },
});

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

  expect(await outcome(stuck)).toMatchObject({
    status: 'revoked',
    error: 'force-released: runner lost',
    stepCompleted: false,
  });
  expect(await outcome(next)).toMatchObject({ status: 'succeeded' });
  const runs = runIntervals(log);
  const stuckRun = runs.find((run) => run.correlationId === 'stuck');
  expect(stuckRun?.terminated).toEqual(expect.any(Number));
  // Stopped at once, not at the activity's next heartbeat: within a second of the lock recording the force-release.
  const { events } = await coordinator.env.client.workflow.getHandle(lockWorkflowId('production')).fetchHistory();
  // (deployctl sends it as an update, answered once the operator rules allow it.)
  const signalled = events!.find(
    (event) =>
      event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === forceReleaseUpdate.name,
  );
  const recordedAt = Number(signalled!.eventTime!.seconds) * 1000 + Math.floor(signalled!.eventTime!.nanos! / 1e6);
  expect(stuckRun!.terminated! - recordedAt).toBeLessThan(1000);
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
    // (It takes effect once the operator rules are asked, in an activity: the race starts once the revoke is sent.)
    await eventually(async () => {
      const { events } = await holder.fetchHistory();
      return (
        events?.some((event) => event.workflowExecutionSignaledEventAttributes?.signalName === revokedSignal.name) ||
        undefined
      );
    });
    await new Promise((resolve) => setTimeout(resolve, (round % 5) * 10));
    holds.release(holderId);

    const result = await outcome(holder);
    expect(result).toMatchObject({ status: 'revoked', error: `force-released: round ${round}` });
    expect(await outcome(next)).toMatchObject({ status: 'succeeded' });
    const runs = runIntervals(log);
    const held = runs.find((run) => run.correlationId === holderId)!;
    const following = runs.find((run) => run.correlationId === nextId)!;
    expect(following.start).toBeGreaterThan(held.end ?? held.terminated ?? Infinity);
    // The result says whether the step had run to its end: as the command itself recorded.
    expect(result.stepCompleted).toBe(held.terminated === undefined);
  }
}, 300_000);

test('a revoked holder that ignores SIGTERM keeps the turn, shown as revoked, until SIGKILL stops it', async () => {
  holds.hold('stubborn');
  const holder = await coordinator.deploy({ environment: 'stubborn', correlationId: 'stubborn' });
  const run = await waitForRun(log, 'stubborn');
  const next = await coordinator.deploy({ environment: 'stubborn', correlationId: 'after-stubborn' });
  await coordinator.queueWhen('stubborn', (view) => view.waiting.length === 1);
  let goneAt: number | undefined;
  const watch = setInterval(() => {
    if (goneAt === undefined && !isRunning(run.pid)) goneAt = Date.now();
  }, 10);

  expect((await deployctl(['force-release', '--env', 'stubborn', '--reason', 'stuck'], coordinator.cli)).code).toBe(0);
  await waitForRun(log, 'stubborn', 'sigterm-ignored');
  const shown = await deployctl(['queue', '--env', 'stubborn'], coordinator.cli);
  expect(shown.stdout).toContain('deploying: stubborn');
  expect(shown.stdout).toMatch(/revoked: {3}stopping since .* \(stuck\)/);

  expect(await outcome(holder)).toMatchObject({ status: 'revoked', stepCompleted: false });
  expect(await outcome(next)).toMatchObject({ status: 'succeeded' });
  clearInterval(watch);
  const started = runIntervals(log).find((entry) => entry.correlationId === 'after-stubborn')!.start;
  expect(goneAt).toBeDefined();
  expect(started).toBeGreaterThan(goneAt!);
  const status = await deployctl(['status', '--env', 'stubborn', 'stubborn'], coordinator.cli);
  expect(status.stdout).toContain('deploy step: stopped before its end');
  holds.release('stubborn');
});

test('a revoked holder that never answers is passed over once its revoke wait has run out', async () => {
  // Nothing will ever run this workflow (no worker polls its task queue): a holder whose worker is gone for good.
  const silent = await coordinator.env.client.workflow.start('deployment', {
    taskQueue: 'nobody-polls-this',
    workflowId: 'deploy/production/silent',
    args: [{ environment: 'production', correlationId: 'silent', priority: 'normal' }],
  });
  const lock = coordinator.env.client.workflow.getHandle(lockWorkflowId('production'));
  await lock.signal(
    requestTurnSignal,
    turnRequest(silent.workflowId, { runId: silent.firstExecutionRunId, revokeWaitMs: 2000 }),
  );
  await coordinator.queueWhen('production', (view) => view.holder?.correlationId === 'silent');
  const next = await coordinator.deploy({ environment: 'production', correlationId: 'after-silent' });
  await coordinator.queueWhen('production', (view) => view.waiting.length === 1);

  const revokedAt = Date.now();
  await lock.signal(forceReleaseSignal, { reason: 'worker gone' });
  await coordinator.queueWhen('production', (view) => view.holder?.revoked?.reason === 'worker gone');
  expect(await outcome(next)).toMatchObject({ status: 'succeeded' });
  const started = runIntervals(log).find((run) => run.correlationId === 'after-silent')!.start;
  // Not before the wait had run out, and not long after.
  expect(started - revokedAt).toBeGreaterThanOrEqual(2000);
  expect(started - revokedAt).toBeLessThan(10_000);
  await silent.terminate('test over');
});

test('force-release of an environment without a lock says so and exits 0', async () => {
  const result = await deployctl(['force-release', '--env', 'nowhere', '--reason', 'check'], coordinator.cli);
  expect(result.code).toBe(0);
  expect(result.stderr).toContain('nothing to release');
});
