// A deployment's rules without a server: what the lock and operators tell it, and the outcome it ends with.
import { ActivityFailure, ApplicationFailure, CancelledFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import type { DeploymentInput, DeploymentStatus } from '../../src/contract/deployment';
import type { EnvironmentSettings } from '../../src/contract/settings';
import { DeploymentRun, failureOf, requestProblem } from '../../src/workflows/deployment-run';

const input: DeploymentInput = { environment: 'staging', correlationId: 'deploy-1', priority: 'normal', ref: 'abc' };

function runOf(overrides: Partial<DeploymentInput> = {}) {
  const clock = { now: 1_000 };
  const shown: DeploymentStatus[] = [];
  let stops = 0;
  const run = new DeploymentRun({ ...input, ...overrides }, 'deploy/staging/deploy-1', {
    now: () => clock.now,
    runId: 'run-2',
    stopWork: () => (stops += 1),
    showStatus: (state) => shown.push(state.status),
  });
  return { run, clock, shown, stops: () => stops };
}

/** A run that waited from t=2000 and holds the turn from t=3000. */
function holding() {
  const made = runOf();
  made.clock.now = 2_000;
  made.run.queued();
  made.run.granted({ leaseId: 'staging#4', runId: 'run-2' });
  made.clock.now = 3_000;
  made.run.deploying();
  return made;
}

test('a deployment that runs to its end: its statuses, times and lease', () => {
  const { run, clock, shown } = holding();
  run.setStatus('succeeded');
  clock.now = 9_000;
  run.finishing();
  run.released({});
  expect(shown).toEqual(['queued', 'deploying', 'succeeded']);
  expect(run.result()).toMatchObject({ status: 'succeeded', queuedMs: 1_000, durationMs: 6_000, error: null });
  expect(run.state.leaseId).toBe('staging#4');
  expect(run.memo()).toEqual({ ref: 'abc' });
});

test("the lock's messages for another run (reapplied by a reset) are not this run's", () => {
  const { run, stops } = runOf();
  run.granted({ leaseId: 'staging#1', runId: 'run-1' });
  run.revoked({ leaseId: 'staging#1', reason: 'x', runId: 'run-1' });
  run.superseded({ byWorkflowId: 'other', runId: 'run-1' });
  expect(run.leaseId).toBeUndefined();
  expect(stops()).toBe(0);
});

test('superseded while waiting: it stops and says by whom; a holder is never superseded', () => {
  const waiting = runOf();
  waiting.run.superseded({ byWorkflowId: 'deploy/staging/deploy-2', runId: 'run-2' });
  expect(waiting.stops()).toBe(1);
  waiting.run.ended(new CancelledFailure('cancelled'), true);
  expect(waiting.run.result()).toMatchObject({ status: 'superseded', error: 'superseded by deploy/staging/deploy-2' });

  const holder = holding();
  holder.run.superseded({ byWorkflowId: 'deploy/staging/deploy-2', runId: 'run-2' });
  expect(holder.stops()).toBe(0);
});

test('withdraw-if-waiting cancels a waiting deployment only: one that holds the turn runs on', () => {
  const waiting = runOf();
  waiting.run.withdrawIfWaiting({ reason: 'deployctl interrupted' });
  expect(waiting.stops()).toBe(1);
  const holder = holding();
  holder.run.withdrawIfWaiting({ reason: 'deployctl interrupted' });
  expect(holder.stops()).toBe(0);
});

test('cancelled: the first reason and who stand; a step that failed as it was stopped is still cancelled', () => {
  const { run } = holding();
  run.cancel({ reason: 'wrong ref', by: 'alice' });
  run.cancel({ reason: 'second thoughts', by: 'bob' });
  run.ended(ApplicationFailure.nonRetryable('the deploy command was killed'), true);
  run.finishing();
  run.released({});
  expect(run.result()).toMatchObject({ status: 'cancelled', error: 'wrong ref', stoppedBy: 'alice' });
});

test("Temporal's own cancel (the Web UI) says so", () => {
  const { run } = holding();
  run.ended(new CancelledFailure('cancelled'), true);
  expect(run.result()).toMatchObject({ status: 'cancelled', error: 'cancelled from the Web UI or API' });
});

test('revoked by signal: the work stops, and the outcome is revoked whatever the step did meanwhile', () => {
  const { run, stops } = holding();
  run.revoked({ leaseId: 'staging#4', reason: 'stuck', by: 'ops', runId: 'run-2' });
  expect(stops()).toBe(1);
  run.state.stepCompleted = true;
  run.setStatus('succeeded');
  run.finishing();
  run.released({});
  expect(run.result()).toMatchObject({
    status: 'revoked',
    error: 'force-released: stuck',
    stoppedBy: 'ops',
    stepCompleted: true,
  });
});

test("a revoke of another lease is not this deployment's", () => {
  const { run, stops } = holding();
  run.revoked({ leaseId: 'staging#3', reason: 'stuck', runId: 'run-2' });
  expect(stops()).toBe(0);
});

test("a revoke that crossed the release is learnt from the lock's answer", () => {
  const { run } = holding();
  run.setStatus('succeeded');
  run.finishing();
  run.released({ revokedReason: 'stuck', revokedBy: 'ops' });
  expect(run.result()).toMatchObject({ status: 'revoked', error: 'force-released: stuck', stoppedBy: 'ops' });
});

test('failures: the cause inside an activity failure, its type, and a lost worker in words', () => {
  const failed = ApplicationFailure.nonRetryable('exit 3', 'DeployCommandFailed');
  const wrapped = new ActivityFailure('failed', 'deploy', 'id', RetryState.NON_RETRYABLE_FAILURE, 'w', failed);
  expect(failureOf(wrapped)).toEqual({ message: 'exit 3', type: 'DeployCommandFailed' });
  const heartbeat = new TimeoutFailure('timed out', undefined, 'HEARTBEAT');
  expect(failureOf(new ActivityFailure('x', 'deploy', 'id', RetryState.TIMEOUT, 'w', heartbeat))).toMatchObject({
    type: 'WorkerLost',
  });
  const { run } = holding();
  run.ended(wrapped, false);
  expect(run.result()).toMatchObject({ status: 'failed', error: 'exit 3', errorType: 'DeployCommandFailed' });
});

test('gave up waiting: timed out, with how long it waited', () => {
  const { run } = runOf();
  run.queued();
  run.gaveUpWaiting(3_000);
  expect(run.result()).toMatchObject({
    status: 'timed-out',
    error: 'gave up waiting for environment staging after 3s',
  });
});

test('a bad request is refused before anything is resolved or queued', () => {
  expect(requestProblem(input)).toBeUndefined();
  expect(requestProblem({ ...input, ref: 'bad ref; rm -rf' })).toMatch(/ref/);
  expect(requestProblem({ ...input, environment: '../prod' })).toMatch(/environment/);
  const { run, shown } = runOf();
  run.refuse('ref: not a valid ref');
  expect(shown).toEqual(['failed']);
  expect(run.result()).toMatchObject({ status: 'failed', errorType: 'BadRequest' });
});

test('a notice carries who and what, not the settings, the stack map or the failure count', () => {
  const { run } = holding();
  run.state.stack = { status: 'UPDATE_IN_PROGRESS', resources: {}, done: 0, inFlight: 1, failed: 0 };
  const notice = run.notice('progress', 'a line');
  expect(notice).toMatchObject({ kind: 'progress', detail: 'a line', deployment: { correlationId: 'deploy-1' } });
  expect(notice.deployment).not.toHaveProperty('stack');
  expect(notice.deployment).not.toHaveProperty('notificationsFailed');
});

describe('a closed environment', () => {
  const frozen = (opensAt?: number) => ({
    kind: 'frozen-by-hand' as const,
    reason: 'incident 42',
    by: 'ana',
    ...(opensAt === undefined ? {} : { opensAt }),
  });

  test('it opens before the wait timeout ends: the request waits, its deadline unchanged', () => {
    const { run, stops } = runOf();
    run.queued();
    run.closed({ runId: 'run-2', closure: frozen(50_000) });
    run.startWaiting(60_000, false);
    expect(run.waitDeadline).toBe(61_000);
    expect(stops()).toBe(0);
  });

  test('it opens after the wait timeout, or only when a person lifts it: refused at once, with why', () => {
    for (const opensAt of [70_000, undefined]) {
      const { run, stops } = runOf();
      run.queued();
      run.startWaiting(60_000, false);
      run.closed({ runId: 'run-2', closure: frozen(opensAt) });
      expect(stops()).toBe(1);
      run.ended(new CancelledFailure('stopped'), true);
      expect(run.result()).toMatchObject({ status: 'refused', errorType: 'EnvironmentClosed' });
      expect(run.result().error).toMatch(/^staging is frozen by ana until .*: incident 42; the wait timeout \(1m\)/);
    }
  });

  test('detached: it waits through the closure, its wait timeout counted from the opening', () => {
    const { run, stops } = runOf({ detached: true });
    run.queued();
    run.startWaiting(60_000, true);
    run.closed({ runId: 'run-2', closure: frozen(500_000) });
    expect(run.waitDeadline).toBe(560_000);
    run.closed({ runId: 'run-2', closure: frozen() });
    expect(run.waitDeadline).toBeUndefined();
    expect(stops()).toBe(0);
  });

  test('a closure told to another run, or once the turn is held, changes nothing', () => {
    const { run, stops } = holding();
    run.closed({ runId: 'run-2', closure: frozen() });
    const other = runOf();
    other.run.startWaiting(1_000, false);
    other.run.closed({ runId: 'run-1', closure: frozen() });
    expect([stops(), other.stops()]).toEqual([0, 0]);
    expect(run.state.closure).toBeUndefined();
  });
});

describe('approvals', () => {
  const rule = { required: 2, approvers: ['ana', 'bo', 'cy'], allowSelf: false, expiresMs: 60_000 };
  const settings = (approvals?: typeof rule): EnvironmentSettings => ({
    environment: 'staging',
    notifyTimeoutMs: 10_000,
    stackName: 'Api',
    lockWaitTimeoutMs: 60_000,
    expectedDurationMs: 60_000,
    queueMode: 'queue',
    livenessCheckIntervalMs: 60_000,
    deployTimeoutMs: 600_000,
    runnerHeartbeatTimeoutMs: 60_000,
    deploy: { type: 'runner' },
    ...(approvals ? { approvals } : {}),
  });

  /** A deployment ana asked for, queued at t=1000 in an environment that needs two of ana, bo and cy. */
  function awaiting() {
    const made = runOf({ requestedBy: 'ana' });
    made.run.state.settings = settings(rule);
    made.run.needsApproval(rule);
    made.run.queued();
    return made;
  }

  test('before its environment is known, nothing is refused yet; without approvals there, all is', () => {
    const { run } = runOf({ requestedBy: 'ana' });
    expect(run.approvalProblem('ana')).toBeUndefined();
    run.state.settings = settings();
    run.queued();
    expect(run.approvalProblem('bo')).toBe('staging needs no approvals');
    expect(run.approvalForLock()).toBeUndefined();
  });

  test('who may approve: not the requester, not an unlisted approver, not a blank name', () => {
    const { run } = awaiting();
    expect(run.approvalProblem('ana')).toBe('ana requested this deployment and staging does not allow self-approval');
    expect(run.approvalProblem('eve')).toBe('eve is not an approver of staging (approvers: ana, bo, cy)');
    expect(run.approvalProblem(' ')).toMatch(/^invalid actor " ": use /);
    expect(run.approvalProblem('bo')).toBeUndefined();
  });

  test('approvals count until they expire: approvedUntil and what the lock is told', () => {
    const { run, clock } = awaiting();
    expect(run.approvalForLock()).toEqual({ required: 2, expiresAt: [] });
    const first = run.approve({ by: 'bo' }, rule.expiresMs);
    expect(first.approvals).toEqual([{ by: 'bo', at: 1_000, expiresAt: 61_000 }]);
    expect(first.approvedUntil).toBeUndefined();
    expect(run.approvalProblem('bo')).toBe('bo has approved deployment deploy-1 already');

    clock.now = 30_000;
    const second = run.approve({ by: 'cy', comment: 'lgtm' }, rule.expiresMs);
    expect(second.approvals[1]).toEqual({ by: 'cy', at: 30_000, expiresAt: 90_000, comment: 'lgtm' });
    // Two are needed: they count until the first of them expires.
    expect(second.approvedUntil).toBe(61_000);
    expect(run.approvalForLock()).toEqual({ required: 2, expiresAt: [61_000, 90_000] });

    // bo's approval has expired: it no longer counts, and bo may approve again.
    clock.now = 61_000;
    expect(run.approvalForLock()).toEqual({ required: 2, expiresAt: [90_000] });
    expect(run.approvalProblem('bo')).toBeUndefined();
    const again = run.approve({ by: 'bo' }, rule.expiresMs);
    expect(again.approvals.map((a) => a.by)).toEqual(['cy', 'bo']);
    expect(again.approvedUntil).toBe(90_000);
  });

  test('an approval that drops the count below the required number clears approvedUntil', () => {
    const { run, clock } = awaiting();
    run.approve({ by: 'bo' }, rule.expiresMs);
    run.approve({ by: 'cy' }, rule.expiresMs);
    expect(run.state.approval?.approvedUntil).toBe(61_000);
    clock.now = 61_000;
    run.approve({ by: 'bo' }, rule.expiresMs);
    expect(run.state.approval?.approvedUntil).toBeUndefined();
  });

  test('reject: the requester may reject their own deployment, an unlisted person may not; it ends rejected', () => {
    const { run, stops } = awaiting();
    run.approve({ by: 'bo' }, rule.expiresMs);
    expect(run.approvalProblem('ana', true)).toBeUndefined();
    expect(run.approvalProblem('bo', true)).toBeUndefined();
    expect(run.approvalProblem('eve', true)).toBe('eve is not an approver of staging (approvers: ana, bo, cy)');
    run.reject({ by: 'bo', reason: 'not on a Friday' });
    expect(stops()).toBe(1);
    run.ended(new CancelledFailure('stopped'), true);
    expect(run.result()).toMatchObject({ status: 'rejected', error: 'not on a Friday', stoppedBy: 'bo' });
    expect(run.approvalProblem('cy')).toBe('deployment deploy-1 has already ended (rejected)');
  });

  test('once the turn is held, or the deployment runs, it is too late to approve', () => {
    const { run } = awaiting();
    run.granted({ leaseId: 'staging#1', runId: 'run-2' });
    expect(run.approvalProblem('bo')).toBe('deployment deploy-1 is already deploying');
    run.deploying();
    expect(run.approvalProblem('bo', true)).toBe('deployment deploy-1 is already deploying');
  });
});

describe('a ref soaking upstream', () => {
  test('its soak ends before the wait timeout: it waits, its deadline unchanged', () => {
    const { run, stops } = runOf();
    run.queued();
    run.soaking(61_000);
    run.startWaiting(60_000, false);
    expect(run.waitDeadline).toBe(61_000);
    expect(run.state.soakUntil).toBe(61_000);
    expect(stops()).toBe(0);
  });

  test('its soak outlasts the wait timeout: an attached request is refused, not promoted', () => {
    const { run, stops } = runOf();
    run.queued();
    run.soaking(61_001);
    run.startWaiting(60_000, false);
    expect(stops()).toBe(1);
    run.ended(new CancelledFailure('stopped'), true);
    expect(run.result()).toMatchObject({
      status: 'refused',
      errorType: 'NotPromoted',
      error:
        'abc soaks upstream until Thu 1970-01-01 00:01 UTC; the wait timeout (1m) would end first ' +
        '(deployctl deploy --detach queues it to run then)',
    });
  });

  test('detached: it waits for the soak, its wait timeout counted from the end of the soak', () => {
    const { run, stops } = runOf({ detached: true });
    run.queued();
    run.soaking(500_000);
    run.startWaiting(60_000, true);
    expect(run.waitDeadline).toBe(560_000);
    // A freeze that lifts before the soak ends changes nothing; one that lifts after it moves the deadline again.
    run.closed({ runId: 'run-2', closure: { kind: 'frozen-by-hand', reason: 'incident 42', opensAt: 100_000 } });
    expect(run.waitDeadline).toBe(560_000);
    run.closed({ runId: 'run-2', closure: { kind: 'frozen-by-hand', reason: 'incident 42', opensAt: 700_000 } });
    expect(run.waitDeadline).toBe(760_000);
    expect(stops()).toBe(0);
  });

  test('a scheduled request counts its wait timeout from its time', () => {
    const { run, stops } = runOf({ notBefore: 50_000 });
    run.queued();
    run.soaking(100_000);
    run.startWaiting(60_000, false);
    expect(run.waitDeadline).toBe(110_000);
    expect(stops()).toBe(0);
  });
});
