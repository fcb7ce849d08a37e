// Cancel: a waiting deployment leaves the queue; a running one has its deploy process group stopped, then releases.
import { deployctl } from './helpers/cli';
import {
  environmentDocument,
  Holds,
  readRuns,
  runIntervals,
  runLog,
  useCoordinator,
  waitForRun,
  outcome,
} from './helpers/coordinator';

const log = runLog();
const holds = new Holds();
const coordinator = useCoordinator({ staging: environmentDocument(log, {}, 100, holds) });
const started = (correlationId: string) => waitForRun(log, correlationId);

test('a cancelled waiting deployment leaves the queue without deploying', async () => {
  holds.hold('w-holder');
  const holder = await coordinator.deploy({
    environment: 'staging',
    correlationId: 'w-holder',
  });
  await started('w-holder');
  const waiter = await coordinator.deploy({
    environment: 'staging',
    correlationId: 'w-waiter',
  });
  await coordinator.queueWhen('staging', (view) => view.waiting.some((entry) => entry.correlationId === 'w-waiter'));

  const cancel = await deployctl(
    ['cancel', '--env', 'staging', 'w-waiter', '--reason', 'wrong branch'],
    coordinator.cli,
  );
  expect(cancel.code).toBe(0);
  expect(await outcome(waiter)).toMatchObject({ status: 'cancelled', error: 'wrong branch', durationMs: null });
  const view = await coordinator.queueWhen('staging', (queue) => queue.waiting.length === 0);
  expect(view.holder?.correlationId).toBe('w-holder');

  holds.release('w-holder');
  expect(await outcome(holder)).toMatchObject({ status: 'succeeded' });
  expect(readRuns(log).some((run) => run.correlationId === 'w-waiter')).toBe(false);
});

test('a cancelled running deployment stops its deploy process, then the next one runs', async () => {
  holds.hold('r-running');
  const running = await coordinator.deploy({
    environment: 'staging',
    correlationId: 'r-running',
  });
  await started('r-running');
  const next = await coordinator.deploy({ environment: 'staging', correlationId: 'r-next' });
  await coordinator.queueWhen('staging', (view) => view.waiting.some((entry) => entry.correlationId === 'r-next'));

  // deployctl deploy following the running deployment reports the cancel with exit 3.
  const follower = deployctl(
    ['deploy', '--env', 'staging', '--correlation-id', 'r-running', '--json'],
    coordinator.cli,
  );
  const cancel = await deployctl(['cancel', '--env', 'staging', 'r-running'], coordinator.cli);
  expect(cancel.code).toBe(0);
  const followed = await follower;
  expect(followed.code).toBe(3);
  expect(JSON.parse(followed.stdout)).toMatchObject({ status: 'cancelled' });

  expect(await outcome(next)).toMatchObject({ status: 'succeeded' });
  const runs = runIntervals(log);
  const stopped = runs.find((run) => run.correlationId === 'r-running');
  const after = runs.find((run) => run.correlationId === 'r-next');
  expect(stopped?.terminated).toEqual(expect.any(Number));
  expect(stopped?.end).toBeUndefined();
  // The turn passed on only after the cancelled process was gone.
  expect(after!.start).toBeGreaterThanOrEqual(stopped!.terminated!);
  holds.release('r-running');
  expect(await outcome(running)).toMatchObject({ status: 'cancelled' });
});

test('cancelling the workflow from the Web UI or API also stops the deploy and frees the environment', async () => {
  holds.hold('ui-running');
  const running = await coordinator.deploy({
    environment: 'staging',
    correlationId: 'ui-running',
  });
  await started('ui-running');
  await running.cancel();
  expect(await outcome(running)).toMatchObject({ status: 'cancelled', error: 'cancelled from the Web UI or API' });
  expect(runIntervals(log).find((run) => run.correlationId === 'ui-running')?.terminated).toEqual(expect.any(Number));
  await coordinator.queueWhen('staging', (view) => view.holder === null && view.waiting.length === 0);
  holds.release('ui-running');
});

test('cancelling a deployment that has ended (or ends as the cancel arrives) says how it ended, exit 0', async () => {
  // deployctl signals without looking first, so this is exactly the path of a deployment ending mid-cancel.
  const finished = await coordinator.deploy({ environment: 'staging', correlationId: 'already-done' });
  expect(await outcome(finished)).toMatchObject({ status: 'succeeded' });
  const result = await deployctl(['cancel', '--env', 'staging', 'already-done'], coordinator.cli);
  expect(result.code).toBe(0);
  expect(result.stderr).toContain('already-done had already ended (succeeded); nothing to cancel');

  const unknown = await deployctl(['cancel', '--env', 'staging', 'never-requested'], coordinator.cli);
  expect(unknown.code).toBe(64);
  expect(unknown.stderr).toContain('deployment never-requested in environment staging not found');
});

test('a cancel racing the end of a deployment exits 0 either way, 10 times', async () => {
  for (let round = 0; round < 10; round += 1) {
    const id = `racing-${round}`;
    const handle = await coordinator.deploy({ environment: 'staging', correlationId: id });
    await started(id);
    // The fixture's step lasts 100 ms: the cancel lands before, during or after its end.
    await new Promise((resolve) => setTimeout(resolve, round * 15));
    const result = await deployctl(['cancel', '--env', 'staging', id], coordinator.cli);
    expect({ round, code: result.code }).toEqual({ round, code: 0 });
    expect(result.stderr).toMatch(new RegExp(`${id}: cancel requested|${id} had already ended`));
    expect(['succeeded', 'cancelled']).toContain((await outcome(handle)).status);
  }
});
