// The environment lock's rules without a server: who gets the turn, when it is taken back, what a release is told.
import type { TurnRequest } from '../../src/contract/queue';
import { LockState } from '../../src/workflows/lock-state';

function lockAt(start = 1_000, input: Partial<ConstructorParameters<typeof LockState>[0]> = {}) {
  const clock = { now: start };
  const lines: string[] = [];
  let changes = 0;
  const lock = new LockState(
    { environment: 'staging', ...input },
    {
      now: () => clock.now,
      queueChanged: () => (changes += 1),
      log: { info: (message) => lines.push(message), warn: (message) => lines.push(message) },
    },
  );
  return { lock, clock, lines, changes: () => changes };
}

const request = (name: string, overrides: Partial<TurnRequest> = {}): TurnRequest => ({
  workflowId: `deploy/staging/${name}`,
  runId: 'run-1',
  correlationId: name,
  stackName: 'Api',
  priority: 'normal',
  requestedAt: 0,
  queueMode: 'queue',
  livenessCheckIntervalMs: 60_000,
  expectedDurationMs: 60_000,
  revokeWaitMs: 10_000,
  notices: { to: 'log' },
  ...overrides,
});

/** Grants until the turn is taken; the correlation IDs granted. */
const grantAll = (lock: LockState) => {
  const granted: string[] = [];
  for (let next = lock.grantNext(); next; next = lock.grantNext()) granted.push(next.correlationId);
  return granted;
};

test('first come, first served: one holder at a time, the next when the turn is given back', () => {
  const { lock } = lockAt();
  for (const name of ['a', 'b', 'c']) lock.request(request(name));
  expect(lock.hasWork()).toBe(true);
  expect(grantAll(lock)).toEqual(['a']);
  expect(lock.hasWork()).toBe(false);
  expect(lock.holder?.leaseId).toBe('staging#1');
  lock.release('staging#1', 500);
  expect(grantAll(lock)).toEqual(['b']);
  expect(lock.holder?.leaseId).toBe('staging#2');
  expect(lock.waiting.map((entry) => entry.correlationId)).toEqual(['c']);
});

test('a high-priority request goes ahead of every normal one, behind earlier high ones', () => {
  const { lock } = lockAt();
  lock.request(request('holder'));
  grantAll(lock);
  lock.request(request('n1'));
  lock.request(request('h1', { priority: 'high' }));
  lock.request(request('n2'));
  lock.request(request('h2', { priority: 'high' }));
  expect(lock.waiting.map((entry) => entry.correlationId)).toEqual(['h1', 'h2', 'n1', 'n2']);
});

test('supersede mode: a new request replaces every waiting one, and those are told; the holder runs on', () => {
  const { lock } = lockAt();
  lock.request(request('holder', { queueMode: 'supersede' }));
  grantAll(lock);
  lock.request(request('p1', { queueMode: 'supersede' }));
  lock.request(request('p2', { queueMode: 'supersede' }));
  expect(lock.waiting.map((entry) => entry.correlationId)).toEqual(['p2']);
  expect(lock.takeDecisions()).toEqual([
    { kind: 'superseded', workflowId: 'deploy/staging/p1', runId: 'run-1', byWorkflowId: 'deploy/staging/p2' },
  ]);
  expect(lock.takeDecisions()).toEqual([]);
  expect(lock.holder?.correlationId).toBe('holder');
});

test('the holder asking again (an activity retry) is told its lease again; a request never waits twice', () => {
  const { lock } = lockAt();
  lock.request(request('a'));
  grantAll(lock);
  lock.request(request('a'));
  expect(lock.takeDecisions()).toEqual([
    { kind: 'granted', workflowId: 'deploy/staging/a', runId: 'run-1', leaseId: 'staging#1' },
  ]);
  lock.request(request('b'));
  lock.request(request('b'));
  expect(lock.waiting).toHaveLength(1);
});

test('a withdrawn request leaves the queue; a withdrawn holder frees the turn', () => {
  const { lock } = lockAt();
  for (const name of ['a', 'b', 'c']) lock.request(request(name));
  grantAll(lock);
  lock.withdraw('deploy/staging/b');
  lock.withdraw('deploy/staging/a');
  expect(lock.holder).toBeUndefined();
  expect(grantAll(lock)).toEqual(['c']);
});

test('a stale release changes nothing; each release of a lease is answered from the lease itself', () => {
  const { lock, lines } = lockAt();
  lock.request(request('a'));
  lock.request(request('b'));
  grantAll(lock);
  expect(lock.answerFor('staging#1')).toBeNull();
  lock.release('staging#7', 100);
  expect(lock.holder?.leaseId).toBe('staging#1');
  expect(lines).toContain('Ignoring a release with a stale lease');
  lock.release('staging#1', 100);
  expect(lock.answerFor('staging#1')).toEqual({});
  expect(lock.answerFor('staging#99')).toEqual({ revokedReason: 'the lock had passed the turn on' });
  expect(lock.answerFor('nonsense')).toEqual({ revokedReason: 'the lock had passed the turn on' });
});

describe('an idle lock may end', () => {
  const idle = (overrides: Partial<TurnRequest> = {}) => request('a', { idleLockTimeoutMs: 900_000, ...overrides });

  test('only once nothing is held, waiting, scheduled or untold; then it hands on its leases and durations', () => {
    const { lock } = lockAt();
    lock.request(idle());
    lock.request(request('b', { idleLockTimeoutMs: 900_000 }));
    expect(lock.endsIdleAfterMs()).toBeUndefined();
    grantAll(lock);
    lock.release('staging#1', 300);
    expect(lock.endsIdleAfterMs()).toBeUndefined();
    grantAll(lock);
    lock.release('staging#2', 500);
    expect(lock.endsIdleAfterMs()).toBe(900_000);
    expect(lock.ended()).toEqual({ nextLease: 3, recentDurationsMs: [300, 500] });
    // The next run starts from it: no lease ID given twice.
    const { lock: next } = lockAt(1_000, lock.ended());
    next.request(idle());
    grantAll(next);
    expect(next.holder?.leaseId).toBe('staging#3');
  });

  test('never with a request scheduled, a freeze by hand, windows, or a revoked lease', () => {
    const scheduled = lockAt().lock;
    scheduled.request(idle({ notBefore: 60_000 }));
    expect(scheduled.endsIdleAfterMs()).toBeUndefined();

    const frozen = lockAt();
    frozen.lock.request(idle());
    grantAll(frozen.lock);
    frozen.lock.release('staging#1', 10);
    frozen.lock.freeze({ reason: 'incident', by: 'ana' }, undefined);
    expect(frozen.lock.endsIdleAfterMs()).toBeUndefined();
    frozen.lock.unfreeze({ reason: 'resolved' }, undefined);
    expect(frozen.lock.endsIdleAfterMs()).toBe(900_000);

    const windowed = lockAt().lock;
    windowed.request(
      idle({
        calendar: { freeze: [], deployWindows: [{ cron: '0 9 * * 1-5', durationMs: 8 * 3_600_000, timezone: 'UTC' }] },
      }),
    );
    grantAll(windowed);
    windowed.release('staging#1', 10);
    expect(windowed.endsIdleAfterMs()).toBeUndefined();

    const revoked = lockAt().lock;
    revoked.request(idle());
    grantAll(revoked);
    revoked.forceRelease('stuck', 'ops');
    revoked.release('staging#1', 10);
    revoked.takeDecisions();
    expect(revoked.endsIdleAfterMs()).toBeUndefined();
  });

  test('never for requests from before 1.8, which carry no idle timeout', () => {
    const { lock } = lockAt();
    lock.request(request('a'));
    grantAll(lock);
    lock.release('staging#1', 10);
    expect(lock.endsIdleAfterMs()).toBeUndefined();
  });
});

test('force-release revokes the lease, keeps the holder until it gives the turn back, and says who', () => {
  const { lock, clock } = lockAt();
  lock.request(request('a'));
  lock.request(request('b'));
  grantAll(lock);
  clock.now = 5_000;
  lock.forceRelease('stuck', 'ops');
  lock.forceRelease('again', 'ops');
  expect(lock.takeDecisions()).toEqual([
    {
      kind: 'revoked',
      workflowId: 'deploy/staging/a',
      runId: 'run-1',
      leaseId: 'staging#1',
      reason: 'stuck',
      by: 'ops',
    },
  ]);
  // Never two at once: the revoked holder still holds the turn.
  expect(grantAll(lock)).toEqual([]);
  expect(lock.nextWake()).toMatchObject({ at: 15_000, revokeDue: true });
  lock.release('staging#1', 100);
  expect(lock.answerFor('staging#1')).toEqual({ revokedReason: 'stuck', revokedBy: 'ops' });
  expect(grantAll(lock)).toEqual(['b']);
});

test('a revoked holder that does not give the turn back is passed over when its wait is over, not before', () => {
  const { lock, clock } = lockAt();
  lock.request(request('a'));
  lock.request(request('b'));
  grantAll(lock);
  lock.forceRelease('stuck', undefined);
  const holder = lock.holder!;
  clock.now += 9_999;
  expect(lock.passOverUnresponsive(holder, false)).toBe(false);
  // Its timer rang: due, whatever the clock of the task that met it says.
  expect(lock.passOverUnresponsive(holder, true)).toBe(true);
  expect(grantAll(lock)).toEqual(['b']);
  expect(lock.passOverUnresponsive(holder, true)).toBe(false);
});

test('liveness: checks keep a steady beat; a closed holder is passed over, an unknown one kept', () => {
  const { lock, clock } = lockAt(0);
  lock.request(request('a'));
  lock.request(request('b'));
  clock.now = 30_000;
  grantAll(lock);
  // A grant does not move the next check.
  expect(lock.nextWake()).toMatchObject({ at: 60_000, revokeDue: false });
  clock.now = 60_000;
  const holder = lock.holder!;
  lock.livenessCheckStarted();
  expect(lock.livenessChecked(holder, true)).toBe(false);
  expect(lock.nextWake()).toMatchObject({ at: 120_000 });
  expect(lock.livenessChecked(holder, false)).toBe(true);
  expect(grantAll(lock)).toEqual(['b']);
  // A check of a holder that has since gone changes nothing.
  expect(lock.livenessChecked(holder, false)).toBe(false);
  expect(lock.holder?.correlationId).toBe('b');
});

test('a grant that could not be told passes the turn on', () => {
  const { lock, lines } = lockAt();
  lock.request(request('gone'));
  lock.request(request('b'));
  lock.grantUndelivered(lock.grantNext()!, 'workflow not found');
  expect(lines).toContain('Turn could not be granted; passing it on');
  expect(grantAll(lock)).toEqual(['b']);
  expect(lock.holder?.leaseId).toBe('staging#2');
});

test('continue-as-new: a lock started from a snapshot carries on where the last one stopped', () => {
  const { lock, clock } = lockAt();
  for (const name of ['a', 'b']) lock.request(request(name));
  grantAll(lock);
  lock.forceRelease('stuck', 'ops');
  const next = lockAt(clock.now, lock.snapshot()).lock;
  expect(next.view()).toEqual(lock.view());
  next.release('staging#1', 100);
  expect(next.answerFor('staging#1')).toEqual({ revokedReason: 'stuck', revokedBy: 'ops' });
  expect(grantAll(next)).toEqual(['b']);
  expect(next.holder?.leaseId).toBe('staging#2');
});

test('every change of the queue or its holder is reported (the gauges)', () => {
  const { lock, changes } = lockAt();
  lock.request(request('a'));
  grantAll(lock);
  lock.release('staging#1', 100);
  expect(changes()).toBe(3);
});

describe('a closed environment holds the queue', () => {
  const freeze = { reason: 'incident 42', by: 'ana' };

  test('a freeze by hand: nothing is granted, each new request is told why; after unfreeze, the queue order', () => {
    const { lock } = lockAt();
    lock.request(request('a'));
    lock.freeze(freeze, undefined);
    lock.request(request('b'));
    lock.request(request('c', { priority: 'high' }));
    expect(grantAll(lock)).toEqual([]);
    expect(lock.hasWork()).toBe(true);
    expect(lock.takeDecisions()).toEqual([
      expect.objectContaining({
        kind: 'closed',
        workflowId: 'deploy/staging/b',
        closure: { kind: 'frozen-by-hand', ...freeze },
      }),
      expect.objectContaining({ kind: 'closed', workflowId: 'deploy/staging/c' }),
    ]);
    expect(lock.hasWork()).toBe(false);
    expect(lock.nextWake()).toBeUndefined();
    expect(lock.view().closure).toMatchObject({ kind: 'frozen-by-hand' });
    lock.unfreeze({ reason: 'resolved' }, undefined);
    // Priority holds across a freeze as at any time: the high request first, then the others in order.
    expect(grantAll(lock)).toEqual(['c']);
    lock.release('staging#1', 10);
    expect(grantAll(lock)).toEqual(['a']);
    lock.release('staging#2', 10);
    expect(grantAll(lock)).toEqual(['b']);
  });

  test('an override goes ahead of the requests the freeze holds', () => {
    const { lock } = lockAt();
    lock.freeze(freeze, undefined);
    lock.request(request('held'));
    lock.request(request('hotfix', { override: { reason: 'hotfix', by: 'ana' } }));
    expect(lock.takeDecisions().map((decision) => decision.workflowId)).toEqual(['deploy/staging/held']);
    expect(grantAll(lock)).toEqual(['hotfix']);
  });

  test('a freeze with an end: the lock wakes then, and the queue runs', () => {
    const { lock, clock } = lockAt(1_000);
    lock.freeze({ ...freeze, until: 61_000 }, undefined);
    lock.request(request('a'));
    expect(lock.view().waiting[0]?.etaMs).toBe(60_000);
    expect(lock.nextWake()).toEqual({ at: 61_000 });
    clock.now = 61_000;
    expect(grantAll(lock)).toEqual(['a']);
    expect(lock.snapshot().manualFreeze).toBeUndefined();
  });

  test('a scheduled request joins the queue at its time, behind those that came before it then', () => {
    const { lock, clock } = lockAt(1_000);
    lock.request(request('holder'));
    grantAll(lock);
    lock.request(request('later', { notBefore: 30_000 }));
    lock.request(request('sooner'));
    expect(lock.view().scheduled).toEqual([expect.objectContaining({ correlationId: 'later', joinsAt: 30_000 })]);
    expect(lock.calendarWake()).toBe(30_000);
    clock.now = 30_000;
    expect(lock.hasWork()).toBe(true);
    lock.admitDue();
    expect(lock.waiting.map((entry) => entry.correlationId)).toEqual(['sooner', 'later']);
    // Withdrawn before its time, it never joins.
    lock.request(request('never', { notBefore: 90_000 }));
    lock.withdraw('deploy/staging/never');
    expect(lock.view().scheduled).toEqual([]);
  });
});

describe('a request that is not ready keeps its place; the next ready one goes first', () => {
  const approvalOf = (workflowId: string, expiresAt: number[]) => ({ workflowId, runId: 'run-1', expiresAt });

  test('soaking: passed over until its soak ends, then first again; the lock wakes when it ends', () => {
    const { lock, clock } = lockAt(1_000);
    lock.request(request('soaking', { soakUntil: 61_000 }));
    expect(lock.hasWork()).toBe(false);
    expect(grantAll(lock)).toEqual([]);
    expect(lock.nextWake()).toEqual({ at: 61_000 });
    lock.request(request('ready'));
    expect(grantAll(lock)).toEqual(['ready']);
    lock.request(request('later'));
    lock.release('staging#1', 100);
    clock.now = 60_999;
    expect(grantAll(lock)).toEqual(['later']);
    lock.release('staging#2', 100);
    lock.request(request('last'));
    clock.now = 61_000;
    expect(lock.hasWork()).toBe(true);
    expect(grantAll(lock)).toEqual(['soaking']);
    expect(lock.waiting.map((entry) => entry.correlationId)).toEqual(['last']);
  });

  test('approvals: passed over until enough are in force; approvalChanged lets it go', () => {
    const { lock, changes } = lockAt(1_000);
    lock.request(request('guarded', { approval: { required: 1, expiresAt: [] } }));
    lock.request(request('plain'));
    expect(grantAll(lock)).toEqual(['plain']);
    lock.release('staging#1', 100);
    expect(lock.hasWork()).toBe(false);
    expect(grantAll(lock)).toEqual([]);
    const before = changes();
    lock.approvalChanged(approvalOf('deploy/staging/guarded', [50_000]));
    expect(changes()).toBe(before + 1);
    expect(lock.waiting[0]?.approval).toEqual({ required: 1, expiresAt: [50_000] });
    expect(lock.hasWork()).toBe(true);
    expect(grantAll(lock)).toEqual(['guarded']);
  });

  test('two required: one in force is not enough, nor two of which one has expired', () => {
    const { lock, clock } = lockAt(1_000);
    lock.request(request('guarded', { approval: { required: 2, expiresAt: [90_000] } }));
    expect(grantAll(lock)).toEqual([]);
    lock.approvalChanged(approvalOf('deploy/staging/guarded', [90_000, 30_000]));
    clock.now = 29_999;
    expect(lock.hasWork()).toBe(true);
    clock.now = 30_000;
    expect(lock.hasWork()).toBe(false);
    expect(grantAll(lock)).toEqual([]);
    lock.approvalChanged(approvalOf('deploy/staging/guarded', [90_000, 80_000]));
    expect(grantAll(lock)).toEqual(['guarded']);
  });

  test('approvals that expired before the turn came are void', () => {
    const { lock, clock } = lockAt(1_000);
    lock.request(request('holder'));
    grantAll(lock);
    lock.request(request('guarded', { approval: { required: 1, expiresAt: [] } }));
    lock.approvalChanged(approvalOf('deploy/staging/guarded', [20_000]));
    clock.now = 20_000;
    lock.release('staging#1', 100);
    expect(grantAll(lock)).toEqual([]);
    expect(lock.view().waiting[0]?.waitingFor).toEqual(['approval (0/1)']);
  });

  test('approvalChanged for another run, another deployment or one without approvals changes nothing', () => {
    const { lock, changes } = lockAt(1_000);
    lock.request(request('guarded', { approval: { required: 1, expiresAt: [] } }));
    lock.request(request('plain'));
    const before = changes();
    lock.approvalChanged({ workflowId: 'deploy/staging/guarded', runId: 'run-0', expiresAt: [50_000] });
    lock.approvalChanged(approvalOf('deploy/staging/unknown', [50_000]));
    lock.approvalChanged(approvalOf('deploy/staging/plain', [50_000]));
    expect(changes()).toBe(before);
    expect(lock.waiting.map((entry) => entry.approval)).toEqual([{ required: 1, expiresAt: [] }, undefined]);
    expect(grantAll(lock)).toEqual(['plain']);
  });

  test('a scheduled request (deploy --at) keeps the approvals it took before it joined the queue', () => {
    const { lock, clock } = lockAt(1_000);
    lock.request(request('later', { notBefore: 30_000, approval: { required: 1, expiresAt: [] } }));
    lock.approvalChanged(approvalOf('deploy/staging/later', [100_000]));
    clock.now = 30_000;
    lock.admitDue();
    expect(lock.view().waiting[0]?.waitingFor).toBeUndefined();
    expect(grantAll(lock)).toEqual(['later']);
  });

  test('view and describe say what each waits for besides its turn', () => {
    const { lock } = lockAt(1_000);
    lock.request(request('holder'));
    grantAll(lock);
    lock.request(request('both', { soakUntil: 61_000, approval: { required: 2, expiresAt: [5_000, 500] } }));
    lock.request(request('plain'));
    lock.request(request('approved', { approval: { required: 1, expiresAt: [5_000] } }));
    const waiting = lock.view().waiting;
    expect(waiting.map((entry) => entry.correlationId)).toEqual(['both', 'plain', 'approved']);
    expect(waiting[0]?.waitingFor).toEqual(['soak until Thu 1970-01-01 00:01 UTC', 'approval (1/2)']);
    expect(waiting[1]).not.toHaveProperty('waitingFor');
    expect(waiting[2]).not.toHaveProperty('waitingFor');
    expect(lock.describe()).toBe('staging: deploying holder, 3 waiting (1 for approval or soak)');
  });

  test('calendarWake: the soonest soak end or scheduled request still to come', () => {
    const { lock, clock } = lockAt(1_000);
    lock.request(request('late', { soakUntil: 90_000 }));
    lock.request(request('soon', { soakUntil: 30_000 }));
    lock.request(request('scheduled', { notBefore: 50_000 }));
    expect(lock.calendarWake()).toBe(30_000);
    clock.now = 30_000;
    expect(lock.calendarWake()).toBe(50_000);
    clock.now = 50_000;
    lock.admitDue();
    expect(lock.calendarWake()).toBe(90_000);
    clock.now = 90_000;
    expect(lock.calendarWake()).toBeUndefined();
  });

  test('a freeze holds a ready request; an approved one waits for the opening like any other', () => {
    const { lock } = lockAt(1_000);
    lock.freeze({ reason: 'incident 42' }, undefined);
    lock.request(request('approved', { approval: { required: 1, expiresAt: [50_000] } }));
    expect(grantAll(lock)).toEqual([]);
    lock.unfreeze({ reason: 'resolved' }, undefined);
    expect(grantAll(lock)).toEqual(['approved']);
  });

  test('continue-as-new carries the approvals told to a waiting request', () => {
    const { lock, clock } = lockAt(1_000);
    lock.request(request('guarded', { approval: { required: 1, expiresAt: [] } }));
    lock.approvalChanged(approvalOf('deploy/staging/guarded', [50_000]));
    const next = lockAt(clock.now, lock.snapshot()).lock;
    expect(grantAll(next)).toEqual(['guarded']);
  });
});
