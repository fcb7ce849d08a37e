// The Web UI tells the truth: each deployment's workflow closes with the status of its outcome (what `temporal
// workflow describe` and the UI's filters read), while deployctl and the result read as before; `deployctl history`
// lists an environment's deployments from visibility, with who asked and who stopped them.
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { forceReleaseUpdate, lockWorkflowId, withdrawIfWaitingSignal } from '../src/contract';
import type { deployment } from '../src/workflows';
import { deployctl } from './helpers/cli';
import {
  environmentDocument,
  eventually,
  Holds,
  outcome,
  runLog,
  useCoordinator,
  waitForRun,
} from './helpers/coordinator';

const log = runLog();
const holds = new Holds();
const coordinator = useCoordinator({
  staging: environmentDocument(log, { lockWaitTimeout: '2s' }, 100, holds),
  broken: environmentDocument(log, { deploy: { type: 'command', command: ['false'] } }),
  preview: environmentDocument(log, { queueMode: 'supersede' }, 100, holds),
});

/** How the workflow closed, and the failure it closed with (its type, whether retryable, its result detail). */
async function closeOf(handle: WorkflowHandle<typeof deployment>) {
  await outcome(handle);
  const description = await handle.describe();
  const history = await handle.fetchHistory();
  const last = history.events?.[history.events.length - 1] as temporal.api.history.v1.IHistoryEvent;
  const failure = last.workflowExecutionFailedEventAttributes?.failure;
  return {
    status: description.status.name,
    type: failure?.applicationFailureInfo?.type ?? null,
    nonRetryable: failure?.applicationFailureInfo?.nonRetryable ?? null,
    hasResult: (failure?.applicationFailureInfo?.details?.payloads?.length ?? 0) === 1,
  };
}

test('succeeded completes; failed and timed-out fail with a type naming the outcome, result in details', async () => {
  const succeeded = await coordinator.deploy({ environment: 'staging', correlationId: 'c-ok' });
  expect(await outcome(succeeded)).toMatchObject({ status: 'succeeded' });
  expect(await closeOf(succeeded)).toMatchObject({ status: 'COMPLETED', type: null });

  const failed = await coordinator.deploy({ environment: 'broken', correlationId: 'c-failed' });
  expect(await outcome(failed)).toMatchObject({ status: 'failed', errorType: 'DeployCommandFailed' });
  expect(await closeOf(failed)).toEqual({
    status: 'FAILED',
    type: 'DeploymentFailed',
    nonRetryable: true,
    hasResult: true,
  });

  holds.hold('c-holder');
  const holder = await coordinator.deploy({ environment: 'staging', correlationId: 'c-holder' });
  await waitForRun(log, 'c-holder');
  const timedOut = await coordinator.deploy({ environment: 'staging', correlationId: 'c-timed-out' });
  expect(await outcome(timedOut)).toMatchObject({ status: 'timed-out' });
  expect(await closeOf(timedOut)).toMatchObject({ status: 'FAILED', type: 'LockWaitTimeout', hasResult: true });
  holds.release('c-holder');
  expect(await outcome(holder)).toMatchObject({ status: 'succeeded' });
});

test('deployctl and Web UI cancels end Canceled; a signal-only withdrawal fails as Cancelled; --by kept', async () => {
  holds.hold('x-holder');
  const holder = await coordinator.deploy({ environment: 'staging', correlationId: 'x-holder', waitTimeoutMs: 60_000 });
  await waitForRun(log, 'x-holder');
  const waiting = await coordinator.deploy({
    environment: 'staging',
    correlationId: 'x-waiting',
    waitTimeoutMs: 60_000,
  });
  const withdrawn = await coordinator.deploy({
    environment: 'staging',
    correlationId: 'x-withdrawn',
    waitTimeoutMs: 60_000,
  });
  await coordinator.queueWhen('staging', (view) => view.waiting.length === 2);

  const cancel = await deployctl(
    ['cancel', '--env', 'staging', 'x-waiting', '--reason', 'wrong branch', '--by', 'ana'],
    coordinator.cli,
  );
  expect(cancel.code).toBe(0);
  expect(cancel.stderr).toContain('x-waiting: cancel requested by ana (wrong branch)');
  expect(await outcome(waiting)).toMatchObject({ status: 'cancelled', error: 'wrong branch', stoppedBy: 'ana' });
  expect(await closeOf(waiting)).toMatchObject({ status: 'CANCELLED' });

  // What an interrupted deployctl sends: the workflow is not cancelled through Temporal, so it fails as Cancelled.
  await withdrawn.signal(withdrawIfWaitingSignal, { reason: 'CI job cancelled' });
  expect(await outcome(withdrawn)).toMatchObject({ status: 'cancelled' });
  expect(await closeOf(withdrawn)).toMatchObject({ status: 'FAILED', type: 'Cancelled', hasResult: true });

  // The Web UI's (and `temporal workflow cancel`'s) request, to a running deployment.
  await holder.cancel();
  expect(await outcome(holder)).toMatchObject({ status: 'cancelled', error: 'cancelled from the Web UI or API' });
  expect(await closeOf(holder)).toMatchObject({ status: 'CANCELLED' });
  holds.release('x-holder');
});

test('force-release: revoked fails as Revoked; who and why reach the lock, the result and the history', async () => {
  holds.hold('r-holder');
  const holder = await coordinator.deploy({ environment: 'staging', correlationId: 'r-holder' });
  await waitForRun(log, 'r-holder');
  const run = await deployctl(
    ['force-release', '--env', 'staging', '--reason', 'stuck on a hung API', '--by', 'oncall-bo'],
    coordinator.cli,
  );
  expect(run.code).toBe(0);
  expect(await outcome(holder)).toMatchObject({
    status: 'revoked',
    error: 'force-released: stuck on a hung API',
    stoppedBy: 'oncall-bo',
  });
  expect(await closeOf(holder)).toMatchObject({ status: 'FAILED', type: 'Revoked', hasResult: true });
  holds.release('r-holder');
  // The lock's history has the message (deployctl's update) with who sent it.
  const lockHistory = await coordinator.env.client.workflow.getHandle(lockWorkflowId('staging')).fetchHistory();
  const messages = (lockHistory.events ?? []).filter(
    (event) =>
      event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === forceReleaseUpdate.name,
  );
  expect(messages).toHaveLength(1);
  const payload =
    messages[0]!.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.args!.payloads![0]!;
  expect(JSON.parse(Buffer.from(payload.data!).toString())).toEqual({ reason: 'stuck on a hung API', by: 'oncall-bo' });
});

test('superseded completes (nothing failed: a newer request took its place)', async () => {
  holds.hold('s-1');
  const first = await coordinator.deploy({ environment: 'preview', correlationId: 's-1' });
  await waitForRun(log, 's-1');
  const older = await coordinator.deploy({ environment: 'preview', correlationId: 's-2' });
  await coordinator.queueWhen('preview', (view) => view.waiting.length === 1);
  const newer = await coordinator.deploy({ environment: 'preview', correlationId: 's-3' });
  expect(await outcome(older)).toMatchObject({ status: 'superseded' });
  expect(await closeOf(older)).toMatchObject({ status: 'COMPLETED' });
  holds.release('s-1');
  expect(await outcome(first)).toMatchObject({ status: 'succeeded' });
  expect(await outcome(newer)).toMatchObject({ status: 'succeeded' });
});

test('deployctl history lists deployments newest first, with status, ref, requester and who stopped them', async () => {
  const ci = {
    GITHUB_ACTOR: 'ci-bot',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_RUN_ID: '7',
  };
  expect(
    (await deployctl(['deploy', '--env', 'broken', '--correlation-id', 'h-1', '--ref', 'abc'], coordinator.cli, ci))
      .code,
  ).toBe(1);
  expect(
    (
      await deployctl(['deploy', '--env', 'broken', '--correlation-id', 'h-2', '--ref', 'def'], coordinator.cli, {
        GITHUB_ACTOR: '',
        GITLAB_USER_LOGIN: 'gl-user',
      })
    ).code,
  ).toBe(1);

  type Entry = Record<string, unknown>;
  const list = async (args: string[]) => {
    const run = await deployctl(['history', '--env', 'broken', ...args], coordinator.cli);
    expect(run.code).toBe(0);
    return run.stdout;
  };
  // (Visibility is eventually consistent: the list catches up within a moment.)
  const entries = await eventually(async () => {
    const found = JSON.parse(await list(['--json'])) as Entry[];
    return found.length >= 3 && found.every((entry) => entry.status === 'failed') ? found : undefined;
  });
  expect(entries.map((entry) => entry.correlationId)).toEqual(['h-2', 'h-1', 'c-failed']);
  expect(entries[1]).toMatchObject({
    correlationId: 'h-1',
    workflowId: 'deploy/broken/h-1',
    status: 'failed',
    workflowStatus: 'FAILED',
    ref: 'abc',
    requestedBy: 'ci-bot',
    ciRunUrl: 'https://github.com/o/r/actions/runs/7',
    errorType: 'DeployCommandFailed',
    queuedMs: expect.any(Number),
    durationMs: expect.any(Number),
  });
  expect(entries[0]).toMatchObject({ ref: 'def', requestedBy: 'gl-user' });

  const limited = JSON.parse(await list(['--json', '--limit', '1'])) as Entry[];
  expect(limited).toHaveLength(1);

  const cancelled = await eventually(async () => {
    const run = await deployctl(['history', '--env', 'staging', '--status', 'cancelled', '--json'], coordinator.cli);
    const found = JSON.parse(run.stdout) as Entry[];
    return found.length === 3 ? found : undefined;
  });
  expect(cancelled.map((entry) => [entry.correlationId, entry.workflowStatus, entry.stoppedBy ?? null])).toEqual([
    ['x-withdrawn', 'FAILED', null],
    ['x-waiting', 'CANCELLED', 'ana'],
    ['x-holder', 'CANCELLED', null],
  ]);

  const text = await list([]);
  expect(text.split('\n')[0]).toMatch(
    /^REQUESTED \(UTC\)\s+CORRELATION ID\s+STATUS\s+REF\s+QUEUED\s+TOOK\s+REQUESTED BY$/,
  );
  expect(text).toMatch(/ h-1 +failed +abc +\S+ +\S+ +ci-bot\n {4}failed: /);
});

test('bad input to history, cancel and force-release exits 64 naming the value', async () => {
  const bad = async (args: string[], message: string) => {
    const run = await deployctl(args, coordinator.cli);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 64, stderr: expect.stringContaining(message) });
  };
  await bad(['history', '--env', 'staging', '--limit', '0'], 'invalid --limit "0"');
  await bad(['history', '--env', 'staging', '--limit', 'ten'], 'invalid --limit "ten"');
  await bad(['history', '--env', 'staging', '--status', 'done'], 'invalid --status "done": use one of pending,');
  await bad(['history', '--env', 'Staging'], 'invalid environment "Staging"');
  await bad(['cancel', '--env', 'staging', 'x-1', '--by', 'ana\u0007'], 'invalid actor "ana\\u0007"');
  await bad(['force-release', '--env', 'staging', '--reason', 'x', '--by', ' '], 'invalid actor " "');
});
