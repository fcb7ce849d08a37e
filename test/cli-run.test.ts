// deployctl run: runner-side deploys. The command runs where deployctl runs, only while its deployment holds the
// turn; a runner that dies loses the turn after runnerHeartbeatTimeout, an interrupted one stops its command and
// gives the turn back at once, and a cancel or force-release stops the command before anyone else deploys.
import { tmpdir } from 'node:os';
import { deployctl, startDeployctl } from './helpers/cli';
import {
  DEPLOY_STEP,
  environmentDocument,
  Holds,
  readRuns,
  runIntervals,
  runLog,
  useCoordinator,
  waitForRun,
  outcome,
} from './helpers/coordinator';
import { allWorkflowIds, replayFailures } from './helpers/replay';

const HEARTBEAT_TIMEOUT_MS = 4000;
const log = runLog();
const holds = new Holds();
const coordinator = useCoordinator({
  // The worker's own deploy command is never run here: each deploy step below is deployctl run's.
  staging: environmentDocument(runLog(), { runnerHeartbeatTimeout: `${HEARTBEAT_TIMEOUT_MS}ms` }),
  ci: { stackName: 'CiStack', runnerHeartbeatTimeout: '4s', deploy: { type: 'runner' } },
  // Its queue notices a terminated holder within a second.
  ended: environmentDocument(runLog(), { runnerHeartbeatTimeout: '4s', livenessCheckInterval: '1s' }),
});

const step = (extra: string[] = []) => ['--', 'node', DEPLOY_STEP, '--log', log, '--hold-dir', holds.dir, ...extra];

const runner = (correlationId: string, extra: string[] = [], env = 'staging', command = step()) =>
  startDeployctl(['run', '--env', env, '--correlation-id', correlationId, ...extra, ...command], coordinator.cli);

const handle = (correlationId: string, env = 'staging') =>
  coordinator.env.client.workflow.getHandle(`deploy/${env}/${correlationId}`);

const startOf = (correlationId: string) => waitForRun(log, correlationId, 'start');

/** A runner whose command runs (held until released) and another one waiting behind it in staging's queue. */
async function heldWithOneWaiting(heldId: string, waitingId: string) {
  holds.hold(heldId);
  const held = runner(heldId);
  await startOf(heldId);
  const waiting = runner(waitingId);
  await coordinator.queueWhen('staging', (view) => view.waiting.some((entry) => entry.correlationId === waitingId));
  return { held, waiting };
}

test('two runs in one environment never overlap; the command gets the deployment in its environment', async () => {
  const ids = ['r-one', 'r-two', 'r-three'];
  const runs = ids.map((id) => runner(id, ['--ref', `v-${id}`], 'staging', step(['--sleep', '300'])));
  const results = await Promise.all(runs.map((run) => run.result));
  for (const [index, result] of results.entries()) {
    expect(result.code).toBe(0);
    // The command's own output, streamed; then the outcome.
    expect(result.stdout).toContain('deploying TestStack to staging');
    expect(result.stdout).toContain(`${ids[index]} succeeded`);
  }
  const intervals = runIntervals(log).filter((run) => ids.includes(run.correlationId));
  expect(intervals).toHaveLength(3);
  for (let i = 1; i < intervals.length; i += 1) {
    expect(intervals[i]!.start).toBeGreaterThanOrEqual(intervals[i - 1]!.end!);
  }
  const started = readRuns(log).find((run) => run.correlationId === 'r-two' && run.event === 'start');
  expect(started).toMatchObject({ environment: 'staging', stackName: 'TestStack', ref: 'v-r-two' });
  // Each runner took its turn by the runnerClaimTurn update, answered as the step opened: no claim by signal.
  const events = (await handle('r-two').fetchHistory()).events ?? [];
  const updates = events.flatMap(
    (event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest ?? [],
  );
  expect(updates.map((request) => request.input?.name)).toEqual(['runnerClaimTurn']);
  const signals = events.map((event) => event.workflowExecutionSignaledEventAttributes?.signalName);
  expect(signals).not.toContain('runnerClaim');
});

test('a command that fails: exit 1, its exit code and last output shown', async () => {
  const failing = await deployctl(
    ['run', '--env', 'staging', '--correlation-id', 'r-fails', ...step(['--exit', '3'])],
    coordinator.cli,
  );
  expect(failing.code).toBe(1);
  expect(failing.stdout).toMatch(
    new RegExp(
      /r-fails failed in [\d.]+m?s: the command on the runner exited with code 3 /.source +
        /\(last output: deploy failed on purpose with 3\)/.source,
    ),
  );
  expect(await outcome(handle('r-fails'))).toMatchObject({ status: 'failed', errorType: 'DeployCommandFailed' });
});

test('--json: stdout is the outcome alone, the command output goes to stderr', async () => {
  const result = await deployctl(
    ['run', '--env', 'staging', '--correlation-id', 'r-json', '--json', ...step()],
    coordinator.cli,
  );
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout)).toMatchObject({ correlationId: 'r-json', status: 'succeeded' });
  expect(result.stderr).toContain('deploying TestStack to staging');
});

test('a runner SIGKILLed mid-command: its command stops, the turn passes in timeout + 1 s, runner lost', async () => {
  const { held: killed, waiting: next } = await heldWithOneWaiting('r-killed', 'r-after-kill');

  const killedAt = Date.now();
  killed.child.kill('SIGKILL');
  expect((await killed.result).code).toBeNull();
  // The supervisor stops the command when its runner dies, long before anyone else may deploy.
  const stopped = await waitForRun(log, 'r-killed', 'terminated');
  const nextStart = await startOf('r-after-kill');
  expect(stopped.at).toBeLessThan(nextStart.at);
  expect(nextStart.at - killedAt).toBeLessThanOrEqual(HEARTBEAT_TIMEOUT_MS + 1000);
  expect(await outcome(handle('r-killed'))).toMatchObject({ status: 'failed', errorType: 'RunnerLost' });
  expect((await outcome(handle('r-killed'))).error).toMatch(/^runner lost: the runner stopped heartbeating for 4s/);
  const after = await next.result;
  expect(after.code).toBe(0);
  // A waiting runner shows its place in the queue, as deploy does.
  expect(after.stderr).toMatch(/r-after-kill: queued at position 1 of 1, behind r-killed \(ETA /);
  holds.release('r-killed');
});

test('a runner sent SIGTERM: its command stops, the deployment ends cancelled, the next starts at once', async () => {
  const { held: term, waiting: next } = await heldWithOneWaiting('r-term', 'r-after-term');

  term.child.kill('SIGTERM');
  const run = await term.result;
  const exitedAt = Date.now();
  expect(run.code).toBe(143);
  expect(run.stderr).toContain(
    'r-term: SIGTERM: stopped the command; the deployment ended cancelled and gave the turn back',
  );
  const stopped = await waitForRun(log, 'r-term', 'terminated');
  const nextStart = await startOf('r-after-term');
  expect(stopped.at).toBeLessThan(nextStart.at);
  // At once: no heartbeat timeout is waited for.
  expect(nextStart.at - exitedAt).toBeLessThan(HEARTBEAT_TIMEOUT_MS / 2);
  expect(await outcome(handle('r-term'))).toMatchObject({
    status: 'cancelled',
    error: 'deployctl run interrupted (SIGTERM)',
  });
  expect((await next.result).code).toBe(0);
  holds.release('r-term');
});

test('deployctl cancel of a running deployment stops the command on its runner; exit 3', async () => {
  holds.hold('r-cancel');
  const running = runner('r-cancel');
  await startOf('r-cancel');
  expect(
    (await deployctl(['cancel', '--env', 'staging', 'r-cancel', '--reason', 'wrong build'], coordinator.cli)).code,
  ).toBe(0);
  const run = await running.result;
  expect(run.code).toBe(3);
  expect(run.stdout).toContain('r-cancel cancelled');
  await waitForRun(log, 'r-cancel', 'terminated');
  holds.release('r-cancel');
});

test('force-release: the command stops before the next deployment starts; the holder ends revoked', async () => {
  const { held, waiting: next } = await heldWithOneWaiting('r-held', 'r-after-release');
  expect((await deployctl(['force-release', '--env', 'staging', '--reason', 'stuck'], coordinator.cli)).code).toBe(0);
  expect((await held.result).code).toBe(3);
  const stopped = await waitForRun(log, 'r-held', 'terminated');
  const nextStart = await startOf('r-after-release');
  expect(stopped.at).toBeLessThan(nextStart.at);
  expect(await outcome(handle('r-held'))).toMatchObject({ status: 'revoked' });
  expect((await next.result).code).toBe(0);
  holds.release('r-held');
});

test('a deployment terminated from outside: its runner stops the command and says how it ended, exit 1', async () => {
  holds.hold('r-terminated');
  const running = runner('r-terminated', [], 'ended');
  await startOf('r-terminated');
  await handle('r-terminated', 'ended').terminate('operator ended it');
  const run = await running.result;
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(
    /r-terminated failed.*: the deployment workflow ended without a result: operator ended it/,
  );
  await waitForRun(log, 'r-terminated', 'terminated');
  holds.release('r-terminated');
  // The queue passes the turn on once its liveness check finds the holder gone.
  expect((await runner('r-after-terminated', [], 'ended').result).code).toBe(0);
});

test('SIGTERM while waiting: cancelled, the command never runs, exit 143', async () => {
  const { held: front, waiting } = await heldWithOneWaiting('r-front', 'r-waiting');
  waiting.child.kill('SIGTERM');
  const run = await waiting.result;
  expect(run.code).toBe(143);
  expect(run.stderr).toContain(
    'r-waiting: SIGTERM: its command never ran; the deployment ended cancelled and gave the turn back',
  );
  holds.release('r-front');
  expect((await front.result).code).toBe(0);
  expect(readRuns(log).some((record) => record.correlationId === 'r-waiting')).toBe(false);
});

test('an environment of type runner takes deployctl run, and refuses deployctl deploy with 64', async () => {
  const ran = await deployctl(['run', '--env', 'ci', '--correlation-id', 'r-ci', ...step()], coordinator.cli);
  expect(ran.code).toBe(0);
  expect(ran.stdout).toContain('deploying CiStack to ci');

  const refused = await deployctl(['deploy', '--env', 'ci', '--correlation-id', 'r-ci-deploy'], coordinator.cli);
  expect(refused.code).toBe(64);
  expect(refused.stderr).toContain('environment ci deploys on the CI runner only: use deployctl run');
  // Without a config to check against, the worker refuses it, and deployctl still says 64.
  const unchecked = await deployctl(['deploy', '--env', 'ci', '--correlation-id', 'r-ci-worker'], {
    ...coordinator.cli,
    configPath: '',
    cwd: tmpdir(),
  });
  expect(unchecked.code).toBe(64);
  expect(unchecked.stdout).toContain('environment ci deploys on the CI runner only');
});

test('every runner-side deployment and the locks replay against the workflow code', async () => {
  const ids = await allWorkflowIds(coordinator.env.client);
  expect(ids.filter((id) => id.startsWith('deploy/')).length).toBeGreaterThanOrEqual(14);
  expect(await replayFailures(coordinator.env.client, ids)).toEqual([]);
});
