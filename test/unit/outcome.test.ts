// How an outcome is worded (deployctl, Slack, the log) and where a waiting deployment stands in its queue.
import { outcomeLine, outputLines } from '../../src/domain/outcome';
import { queuePosition } from '../../src/domain/queue-position';
import type { QueueView } from '../../src/contract/queue';

test('outcome lines: duration, then the error or the no-changes note', () => {
  expect(outcomeLine({ status: 'succeeded', durationMs: 125_000, why: null })).toBe('succeeded in 2m 5s');
  expect(outcomeLine({ status: 'failed', durationMs: 12_000, why: 'boom' })).toBe('failed in 12s: boom');
  expect(outcomeLine({ status: 'succeeded', durationMs: 125_000, why: null, noChanges: true })).toBe(
    'succeeded in 2m 5s (no changes: the stack already matched)',
  );
  expect(outcomeLine({ status: 'succeeded', durationMs: 125_000, why: null, noChanges: false })).toBe(
    'succeeded in 2m 5s',
  );
});

test('a reason wins over the no-changes note; no duration means no "in"; an empty reason is none', () => {
  expect(outcomeLine({ status: 'revoked', durationMs: 3_000, why: 'force-released', noChanges: true })).toBe(
    'revoked in 3s: force-released',
  );
  expect(outcomeLine({ status: 'cancelled', durationMs: null, why: 'superseded by deploy-9' })).toBe(
    'cancelled: superseded by deploy-9',
  );
  expect(outcomeLine({ status: 'timed-out', durationMs: null, why: null })).toBe('timed-out');
  expect(outcomeLine({ status: 'failed', durationMs: 450, why: '' })).toBe('failed in 450ms');
});

test('a label replaces the status', () => {
  expect(outcomeLine({ status: 'succeeded', durationMs: 4_500_000, why: null }, 'Succeeded')).toBe(
    'Succeeded in 1h 15m',
  );
  expect(outcomeLine({ status: 'timed-out', durationMs: null, why: 'waited 30m' }, 'Gave up waiting')).toBe(
    'Gave up waiting: waited 30m',
  );
});

test('outputs read one "key = value" per line, in order', () => {
  expect(outputLines({ ApiUrl: 'https://api.example', Bucket: 'b-1' })).toEqual([
    'ApiUrl = https://api.example',
    'Bucket = b-1',
  ]);
  expect(outputLines({})).toEqual([]);
  expect(outputLines(undefined)).toEqual([]);
});

const entry = (position: number, correlationId: string, etaMs: number) => ({
  position,
  workflowId: `deploy/production/${correlationId}`,
  correlationId,
  stackName: 'Api',
  priority: 'normal' as const,
  requestedAt: 1_000,
  etaMs,
});
const waiting = [entry(1, 'deploy-2', 60_000), entry(2, 'deploy-3', 660_000), entry(3, 'deploy-4', 1_260_000)];
const holder = {
  workflowId: 'deploy/production/deploy-1',
  correlationId: 'deploy-1',
  stackName: 'Api',
  priority: 'normal' as const,
  requestedAt: 500,
  queueMode: 'queue' as const,
  livenessCheckIntervalMs: 60_000,
  expectedDurationMs: 600_000,
  runId: 'run-1',
  revokeWaitMs: 70_000,
  notices: { to: 'log' as const },
  leaseId: 'lease-1',
  grantedAt: 1_000,
  runningMs: 540_000,
};

test('a waiting deployment: its position, how many wait, who deploys, its ETA', () => {
  const view: QueueView = { environment: 'production', holder, waiting };
  expect(queuePosition(view, 'deploy/production/deploy-3')).toStrictEqual({
    position: 2,
    waiting: 3,
    holderCorrelationId: 'deploy-1',
    etaMs: 660_000,
  });
});

test('nobody deploying: the holder is null', () => {
  const view: QueueView = { environment: 'production', holder: null, waiting };
  expect(queuePosition(view, 'deploy/production/deploy-2')).toStrictEqual({
    position: 1,
    waiting: 3,
    holderCorrelationId: null,
    etaMs: 60_000,
  });
});

test('a deployment that is not waiting (it holds the turn, or is unknown) has no position', () => {
  const view: QueueView = { environment: 'production', holder, waiting };
  expect(queuePosition(view, 'deploy/production/deploy-1')).toBeUndefined();
  expect(queuePosition(view, 'deploy/production/deploy-99')).toBeUndefined();
  expect(
    queuePosition({ environment: 'production', holder: null, waiting: [] }, 'deploy/production/deploy-2'),
  ).toBeUndefined();
});

test('who stopped a deployment comes after its status', () => {
  expect(outcomeLine({ status: 'cancelled', durationMs: 3_000, why: 'wrong branch', stoppedBy: 'ana' })).toBe(
    'cancelled by ana in 3s: wrong branch',
  );
  expect(outcomeLine({ status: 'cancelled', durationMs: null, why: 'x', stoppedBy: 'ana' }, 'Cancelled')).toBe(
    'Cancelled by ana: x',
  );
});
