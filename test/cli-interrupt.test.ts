// A CI job cancelled while deployctl follows its deployment: SIGINT and SIGTERM withdraw a waiting deployment (the
// queue moves on at once) and leave a running one to finish, unless --cancel-on-interrupt; exit 130 or 143.
import { startDeployctl } from './helpers/cli';
import { environmentDocument, Holds, runLog, useCoordinator, waitForRun, outcome } from './helpers/coordinator';

const log = runLog();
const holds = new Holds();
const coordinator = useCoordinator({ staging: environmentDocument(log, {}, 100, holds) });

const follow = (correlationId: string, extra: string[] = []) =>
  startDeployctl(['deploy', '--env', 'staging', '--correlation-id', correlationId, ...extra], coordinator.cli);

const handle = (correlationId: string) => coordinator.env.client.workflow.getHandle(`deploy/staging/${correlationId}`);

test('SIGTERM while waiting: withdrawn, the queue moves on, exit 143', async () => {
  holds.hold('i-holder');
  const holder = await coordinator.deploy({ environment: 'staging', correlationId: 'i-holder' });
  await waitForRun(log, 'i-holder');
  const waiting = follow('i-waiter');
  const behind = follow('i-behind');
  await coordinator.queueWhen('staging', (view) => view.waiting.length === 2);

  waiting.child.kill('SIGTERM');
  const run = await waiting.result;
  expect(run.code).toBe(143);
  expect(run.stderr).toContain('i-waiter: SIGTERM: withdrawn from the queue');
  expect(await outcome(handle('i-waiter'))).toMatchObject({ status: 'cancelled' });
  const view = await coordinator.queueWhen('staging', (queue) => queue.waiting.length === 1);
  expect(view.waiting.map((entry) => entry.correlationId)).toEqual(['i-behind']);

  holds.release('i-holder');
  expect(await outcome(holder)).toMatchObject({ status: 'succeeded' });
  expect((await behind.result).code).toBe(0);
  // Never deployed: no run of the withdrawn deployment was recorded.
  await waitForRun(log, 'i-behind');
  expect((await outcome(handle('i-waiter'))).durationMs).toBeNull();
});

test('SIGINT while running: it runs on and succeeds, deployctl says how to cancel it, exit 130', async () => {
  holds.hold('i-running');
  const running = follow('i-running');
  await waitForRun(log, 'i-running');
  running.child.kill('SIGINT');
  const run = await running.result;
  expect(run.code).toBe(130);
  expect(run.stderr).toContain(
    'i-running: SIGINT: it holds the turn and runs on (cancel it: deployctl cancel --env staging i-running)',
  );
  holds.release('i-running');
  expect(await outcome(handle('i-running'))).toMatchObject({ status: 'succeeded' });
});

test('--cancel-on-interrupt: SIGTERM while running cancels it, exit 143', async () => {
  holds.hold('i-cancel');
  const running = follow('i-cancel', ['--cancel-on-interrupt']);
  await waitForRun(log, 'i-cancel');
  running.child.kill('SIGTERM');
  const run = await running.result;
  expect(run.code).toBe(143);
  expect(run.stderr).toContain('i-cancel: SIGTERM: cancel requested (--cancel-on-interrupt)');
  expect(await outcome(handle('i-cancel'))).toMatchObject({
    status: 'cancelled',
    error: 'deployctl interrupted (SIGTERM)',
  });
  holds.release('i-cancel');
});
