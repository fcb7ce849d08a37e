// CloudFormation around the deploy step, driven through the scripted CloudFormation (what moto cannot do):
// preflight, progress, rollback outcome, stalls, and cancel leaving the stack stable with the turn released.
import { WebClient } from '@slack/web-api';
import { deployctl, startDeployctl } from './helpers/cli';
import {
  DEPLOY_STEP,
  environmentDocument,
  eventually,
  Holds,
  readRuns,
  runLog,
  useCoordinator,
  waitForRun,
  outcome,
} from './helpers/coordinator';
import { type ScriptStep, ScriptedCloudFormation } from './helpers/scripted-cloudformation';
import { FakeSlack } from './helpers/slack-server';
import { stateQuery } from '../src/contract';
import { allWorkflowIds, replayFailures } from './helpers/replay';

const cfn = new ScriptedCloudFormation();
const slack = new FakeSlack();
let slackApiUrl = '';
const log = runLog();
const holds = new Holds();
const watched = (stackName: string, extra: Record<string, unknown> = {}) =>
  environmentDocument(
    log,
    {
      stackName,
      cloudformation: { pollInterval: '200ms', stallThreshold: '1s', stallCancelAfter: '1s', ...extra },
    },
    50,
    holds,
  );

beforeAll(async () => {
  slackApiUrl = await slack.start();
  for (const stackName of [
    'Preflight',
    'Rollback',
    'Stalls',
    'Cancelled',
    'Progress',
    'Throttled',
    'OnRunner',
    'Late',
  ]) {
    await cfn.createChangeSet({ stackName, changeSetName: 'initial', changeSetType: 'CREATE', templateBody: 'v0' });
    await cfn.executeChangeSet(stackName, 'initial', 'initial');
  }
});
afterAll(async () => {
  cfn.dispose();
  await slack.stop();
});

const coordinator = useCoordinator(
  {
    preflight: watched('Preflight'),
    rollback: watched('Rollback'),
    stalls: watched('Stalls', { stallAction: 'cancel' }),
    cancelled: watched('Cancelled'),
    progress: watched('Progress'),
    throttled: watched('Throttled'),
    'on-runner': watched('OnRunner'),
    late: watched('Late'),
  },
  {
    config: { slack: { channel: '#deploys', notifyTimeout: '5s' } },
    slack: () => new WebClient('xoxb-cfn', { slackApiUrl, retryConfig: { retries: 0 } }),
    cloudFormationFor: () => cfn,
  },
);

/** What the deploy command would do: start an update of the stack that plays these steps. */
async function update(stackName: string, token: string, steps: ScriptStep[]) {
  cfn.scriptNextUpdate(stackName, steps);
  await cfn.createChangeSet({ stackName, changeSetName: token, changeSetType: 'UPDATE', templateBody: token });
  await cfn.executeChangeSet(stackName, token, token);
}

const threadReplies = (workflowId: string) =>
  slack
    .callsFor(workflowId)
    .filter((call) => call.params.thread_ts)
    .map((call) => String(call.params.text));

test('preflight waits for an update started outside the coordinator before deploying', async () => {
  // The outside update ends only once the deployment has said it waits for it, however slow the machine.
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  await update('Preflight', 'outside', [
    { afterMs: 100, event: { logicalResourceId: 'Queue', resourceStatus: 'UPDATE_IN_PROGRESS' } },
    { until: settled, status: 'UPDATE_COMPLETE' },
  ]);
  const handle = await coordinator.deploy({ environment: 'preflight', correlationId: 'after-outside' });
  await eventually(async () =>
    threadReplies('deploy/preflight/after-outside').includes(
      'Waiting for Preflight to settle first: it is UPDATE_IN_PROGRESS (changed outside this deployment)',
    )
      ? true
      : undefined,
  );
  const outsideDoneAt = Date.now();
  settle();
  expect(await outcome(handle)).toMatchObject({ status: 'succeeded' });
  const run = readRuns(log).find((record) => record.correlationId === 'after-outside' && record.event === 'start');
  expect(run!.at).toBeGreaterThanOrEqual(outsideDoneAt);
});

test('a rollback fails the deployment and names the first failed resource and its reason', async () => {
  holds.hold('rb');
  const handle = await coordinator.deploy({ environment: 'rollback', correlationId: 'rb' });
  await waitForRun(log, 'rb');
  await update('Rollback', 'rb', [
    { afterMs: 50, event: { logicalResourceId: 'Queue', resourceStatus: 'UPDATE_IN_PROGRESS' } },
    { afterMs: 100, event: { logicalResourceId: 'Topic', resourceStatus: 'UPDATE_IN_PROGRESS' } },
    {
      afterMs: 300,
      event: { logicalResourceId: 'Topic', resourceStatus: 'UPDATE_FAILED', reason: 'Topic name already taken' },
      status: 'UPDATE_ROLLBACK_IN_PROGRESS',
    },
    { afterMs: 500, event: { logicalResourceId: 'Queue', resourceStatus: 'UPDATE_COMPLETE' } },
    { afterMs: 700, status: 'UPDATE_ROLLBACK_COMPLETE' },
  ]);
  holds.release('rb');
  const result = await outcome(handle);
  expect(result.status).toBe('failed');
  expect(result.errorType).toBe('StackFailed');
  expect(result.error).toBe(
    'stack Rollback ended UPDATE_ROLLBACK_COMPLETE (first failure: Topic UPDATE_FAILED: Topic name already taken)',
  );
  expect(threadReplies('deploy/rollback/rb')).toContainEqual('Topic UPDATE_FAILED: Topic name already taken');
});

test('progress is in the deployment state while the stack updates, events counted once', async () => {
  holds.hold('prog');
  const handle = await coordinator.deploy({ environment: 'progress', correlationId: 'prog' });
  await waitForRun(log, 'prog');
  await update('Progress', 'prog', [
    { afterMs: 50, event: { logicalResourceId: 'Queue', resourceStatus: 'UPDATE_IN_PROGRESS' } },
    { afterMs: 100, event: { logicalResourceId: 'Queue', resourceStatus: 'UPDATE_COMPLETE' } },
    { afterMs: 150, event: { logicalResourceId: 'Topic', resourceStatus: 'UPDATE_IN_PROGRESS' } },
    // Room for a deployctl process to read the state midway, even on a loaded machine.
    { afterMs: 8000, event: { logicalResourceId: 'Topic', resourceStatus: 'UPDATE_COMPLETE' } },
    { afterMs: 8100, status: 'UPDATE_COMPLETE' },
  ]);
  const midway = await eventually(async () => {
    const state = await handle.query(stateQuery);
    return state.stack?.inFlight === 1 ? state.stack : undefined;
  });
  expect(midway).toMatchObject({ status: 'UPDATE_IN_PROGRESS', done: 1, inFlight: 1, failed: 0 });
  expect(midway.lastEvent).toMatchObject({ resource: 'Topic', status: 'UPDATE_IN_PROGRESS' });
  const status = await deployctl(['status', '--env', 'progress', 'prog'], coordinator.cli);
  expect(status.stdout).toContain('stack:       UPDATE_IN_PROGRESS: 1 resources done, 1 in flight, 0 failed');
  expect(status.stdout).toMatch(/last event: {2}Topic UPDATE_IN_PROGRESS at /);
  // The deploy step ends while the stack is still updating: the watch keeps to its poll interval (200 ms).
  const polls = () =>
    cfn.calls.filter((call) => call.operation === 'describeStack' && call.stackName === 'Progress').length;
  const pollsBefore = polls();
  const stepEnded = Date.now();
  holds.release('prog');
  expect(await outcome(handle)).toMatchObject({ status: 'succeeded' });
  expect(polls() - pollsBefore).toBeLessThanOrEqual((Date.now() - stepEnded) / 200 + 3);
  const final = (await handle.query(stateQuery)).stack;
  expect(final).toMatchObject({ status: 'UPDATE_COMPLETE', done: 2, inFlight: 0 });
});

test('a poll begun before the deploy step ended cannot end the watch: the stack is read again', async () => {
  holds.hold('late');
  const handle = await coordinator.deploy({ environment: 'late', correlationId: 'late' });
  await waitForRun(log, 'late');
  // A poll on its way as the step makes its change (cdk's execute returns as the update starts): it read the stack
  // as it was, and its answer comes after the step's end.
  const releasePoll = await cfn.holdNextDescribe('Late');
  await update('Late', 'late', [
    { afterMs: 50, event: { logicalResourceId: 'Queue', resourceStatus: 'UPDATE_IN_PROGRESS' } },
    { afterMs: 2900, event: { logicalResourceId: 'Queue', resourceStatus: 'UPDATE_COMPLETE' } },
    { afterMs: 3000, status: 'UPDATE_COMPLETE' },
  ]);
  holds.release('late');
  await eventually(async () => {
    const events = (await handle.fetchHistory()).events ?? [];
    const step = events.find(
      (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'runDeployCommand',
    );
    const ended = events.some(
      (event) => event.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === step?.eventId?.toString(),
    );
    return step && ended ? true : undefined;
  });
  releasePoll();
  expect(await outcome(handle)).toMatchObject({ status: 'succeeded' });
  // Judged by the stack after the step, not by the stale answer (CREATE_COMPLETE, with the update still running).
  expect((await handle.query(stateQuery)).stack).toMatchObject({ status: 'UPDATE_COMPLETE', inFlight: 0 });
  expect((await cfn.describeStack('Late'))?.status).toBe('UPDATE_COMPLETE');
});

test('a stalled update is reported, then cancelled after the further bound', async () => {
  holds.hold('stall');
  const handle = await coordinator.deploy({ environment: 'stalls', correlationId: 'stall' });
  await waitForRun(log, 'stall');
  await update('Stalls', 'stall', [
    { afterMs: 50, event: { logicalResourceId: 'Cluster', resourceStatus: 'UPDATE_IN_PROGRESS' } },
    { afterMs: 60_000, status: 'UPDATE_COMPLETE' },
  ]);
  await eventually(async () =>
    cfn.calls.some((call) => call.operation === 'cancelUpdateStack' && call.stackName === 'Stalls') ? true : undefined,
  );
  holds.release('stall');
  const result = await outcome(handle);
  expect(result.status).toBe('failed');
  expect(result.error).toBe('stack Stalls ended UPDATE_ROLLBACK_COMPLETE (the update stalled and was cancelled)');
  expect(threadReplies('deploy/stalls/stall')).toContainEqual('Cancelled the stalled update of Stalls');
  // Stall notices: at least one, and at most one per threshold (1 s), not one per poll (200 ms). Measured where
  // Slack receives them, so delivery jitter is allowed for.
  const stallTimes = slack
    .callsFor('deploy/stalls/stall')
    .filter((call) => String(call.params.text).startsWith('No stack events for'))
    .map((call) => call.at);
  expect(stallTimes.length).toBeGreaterThanOrEqual(1);
  for (let i = 1; i < stallTimes.length; i++) expect(stallTimes[i]! - stallTimes[i - 1]!).toBeGreaterThanOrEqual(600);
});

test('cancel during an update: the update is cancelled, the stack ends stable, then the turn is released', async () => {
  holds.hold('cx');
  const handle = await coordinator.deploy({ environment: 'cancelled', correlationId: 'cx' });
  await waitForRun(log, 'cx');
  await update('Cancelled', 'cx', [
    { afterMs: 50, event: { logicalResourceId: 'Service', resourceStatus: 'UPDATE_IN_PROGRESS' } },
    { afterMs: 60_000, status: 'UPDATE_COMPLETE' },
  ]);
  await eventually(async () => ((await handle.query(stateQuery)).stack?.inFlight === 1 ? true : undefined));
  await handle.cancel();
  expect(await outcome(handle)).toMatchObject({ status: 'cancelled' });
  holds.release('cx');
  expect((await cfn.describeStack('Cancelled'))?.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(
    readRuns(log)
      .filter((run) => run.correlationId === 'cx')
      .map((run) => run.event),
  ).toEqual(['start', 'terminated']);
  const view = await coordinator.queueWhen('cancelled', (queue) => queue.holder === null);
  expect(view.waiting).toEqual([]);
});

test('CloudFormation throttling slows a deployment down but does not fail it', async () => {
  holds.hold('busy');
  const handle = await coordinator.deploy({ environment: 'throttled', correlationId: 'busy' });
  await waitForRun(log, 'busy');
  await update('Throttled', 'busy', [
    { afterMs: 50, event: { logicalResourceId: 'Queue', resourceStatus: 'UPDATE_IN_PROGRESS' } },
    { afterMs: 300, event: { logicalResourceId: 'Queue', resourceStatus: 'UPDATE_COMPLETE' } },
    { afterMs: 400, status: 'UPDATE_COMPLETE' },
  ]);
  cfn.throttleNext(2);
  holds.release('busy');
  expect(await outcome(handle)).toMatchObject({ status: 'succeeded' });
  expect((await handle.query(stateQuery)).stack).toMatchObject({ status: 'UPDATE_COMPLETE', done: 1 });
  // Both throttled answers were met (and retried) on the way.
  expect(cfn.throttlesLeft).toBe(0);
});

test('a runner-side deploy (deployctl run) is watched alike: the rollback fails it, named, in Slack too', async () => {
  holds.hold('on-runner');
  const run = startDeployctl(
    ['run', '--env', 'on-runner', '--correlation-id', 'on-runner', '--', 'node', DEPLOY_STEP, '--log', log].concat([
      '--hold-dir',
      holds.dir,
    ]),
    coordinator.cli,
  );
  await waitForRun(log, 'on-runner');
  await update('OnRunner', 'on-runner', [
    {
      afterMs: 100,
      event: { logicalResourceId: 'Bucket', resourceStatus: 'UPDATE_FAILED', reason: 'Bucket exists' },
      status: 'UPDATE_ROLLBACK_IN_PROGRESS',
    },
    { afterMs: 300, status: 'UPDATE_ROLLBACK_COMPLETE' },
  ]);
  holds.release('on-runner');
  const result = await run.result;
  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(
    new RegExp(
      /on-runner failed in [\d.]+m?s: stack OnRunner ended UPDATE_ROLLBACK_COMPLETE /.source +
        /\(first failure: Bucket UPDATE_FAILED: Bucket exists\)/.source,
    ),
  );
  // Slack says so too (as a thread reply while the stack updates, or in the final message when the watch first sees
  // the stack after its rollback).
  const texts = slack.callsFor('deploy/on-runner/on-runner').map((call) => String(call.params.text));
  expect(texts.some((text) => text.includes('Bucket UPDATE_FAILED: Bucket exists'))).toBe(true);
});

test("this file's histories replay (stack watch, compensation, Slack route)", async () => {
  const ids = await allWorkflowIds(coordinator.env.client);
  expect(ids.length).toBeGreaterThanOrEqual(12);
  expect(await replayFailures(coordinator.env.client, ids)).toEqual([]);
});
