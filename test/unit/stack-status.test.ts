// What a CloudFormation stack status means, how stack events fold into progress, and how a failed stack is reported.
import { applyEvents, isSuccess, stackFailure, stackPhase } from '../../src/domain/stack-status';
import type { StackEvent, StackProgress } from '../../src/contract/stack';

const STACK = 'Api';
const start: StackProgress = { status: 'UPDATE_IN_PROGRESS', resources: {}, done: 0, inFlight: 0, failed: 0 };
const event = (eventId: string, logicalResourceId: string, resourceStatus: string, reason?: string): StackEvent => ({
  eventId,
  timestamp: Number(eventId.slice(1)) * 1_000,
  logicalResourceId,
  resourceType: logicalResourceId === STACK ? 'AWS::CloudFormation::Stack' : 'AWS::S3::Bucket',
  resourceStatus,
  ...(reason === undefined ? {} : { reason }),
});

test.each([
  [undefined, 'absent'],
  ['DELETE_COMPLETE', 'absent'],
  ['REVIEW_IN_PROGRESS', 'stable'],
  ['CREATE_IN_PROGRESS', 'in-progress'],
  ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'in-progress'],
  ['UPDATE_ROLLBACK_IN_PROGRESS', 'in-progress'],
  ['DELETE_IN_PROGRESS', 'in-progress'],
  ['UPDATE_ROLLBACK_FAILED', 'rollback-failed'],
  ['CREATE_FAILED', 'failed'],
  ['ROLLBACK_FAILED', 'failed'],
  ['DELETE_FAILED', 'failed'],
  ['CREATE_COMPLETE', 'stable'],
  ['UPDATE_COMPLETE', 'stable'],
  ['UPDATE_ROLLBACK_COMPLETE', 'stable'],
  ['ROLLBACK_COMPLETE', 'stable'],
])('stack status %s is %s', (status, phase) => {
  expect(stackPhase(status)).toBe(phase);
});

test('only a completed create, update or import is a success', () => {
  expect(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE'].map(isSuccess)).toEqual([true, true, true]);
  expect(
    ['UPDATE_ROLLBACK_COMPLETE', 'ROLLBACK_COMPLETE', 'DELETE_COMPLETE', 'UPDATE_IN_PROGRESS', 'CREATE_FAILED'].map(
      isSuccess,
    ),
  ).toEqual([false, false, false, false, false]);
});

test('events fold into per-resource statuses, counts, the last event and the first failure', () => {
  const progress = applyEvents(start, STACK, [
    event('e1', STACK, 'UPDATE_IN_PROGRESS', 'User Initiated'),
    event('e2', 'Bucket', 'UPDATE_IN_PROGRESS'),
    event('e3', 'Bucket', 'UPDATE_COMPLETE'),
    event('e4', 'Queue', 'CREATE_IN_PROGRESS'),
    event('e5', 'Handler', 'UPDATE_FAILED', 'bad handler'),
  ]);
  expect(progress).toStrictEqual({
    status: 'UPDATE_IN_PROGRESS',
    resources: { Bucket: 'UPDATE_COMPLETE', Queue: 'CREATE_IN_PROGRESS', Handler: 'UPDATE_FAILED' },
    done: 1,
    inFlight: 1,
    failed: 1,
    lastEvent: { at: 5_000, resource: 'Handler', status: 'UPDATE_FAILED', reason: 'bad handler' },
    firstFailure: { resource: 'Handler', status: 'UPDATE_FAILED', reason: 'bad handler' },
    lastEventId: 'e5',
  });
});

test("the stack's own events move the last event only, never the resources or the first failure", () => {
  const progress = applyEvents(start, STACK, [
    event('e1', STACK, 'UPDATE_IN_PROGRESS'),
    event('e2', STACK, 'UPDATE_FAILED', 'stack-level failure'),
  ]);
  expect(progress).toStrictEqual({
    status: 'UPDATE_IN_PROGRESS',
    resources: {},
    done: 0,
    inFlight: 0,
    failed: 0,
    lastEvent: { at: 2_000, resource: STACK, status: 'UPDATE_FAILED', reason: 'stack-level failure' },
    lastEventId: 'e2',
  });
});

test('an event with the id already folded in (lastEventId) is skipped', () => {
  const seen = applyEvents(start, STACK, [event('e3', 'Bucket', 'UPDATE_COMPLETE')]);
  // The same id again (as a poll that starts at the last event returns it): here with a different body, so that
  // folding it in would show.
  const again = applyEvents(seen, STACK, [event('e3', 'Ghost', 'CREATE_FAILED', 'should be skipped')]);
  expect(again).toStrictEqual(seen);
  const next = applyEvents(seen, STACK, [
    event('e3', 'Bucket', 'UPDATE_COMPLETE'),
    event('e4', 'Queue', 'CREATE_COMPLETE'),
  ]);
  expect(next.resources).toEqual({ Bucket: 'UPDATE_COMPLETE', Queue: 'CREATE_COMPLETE' });
  expect(next.done).toBe(2);
  expect(next.lastEventId).toBe('e4');
});

test('later batches update resources seen before; the first failure stays the first', () => {
  const first = applyEvents(start, STACK, [
    event('e1', 'Queue', 'CREATE_IN_PROGRESS'),
    event('e2', 'Handler', 'UPDATE_FAILED', 'bad handler'),
  ]);
  const second = applyEvents(first, STACK, [
    event('e3', 'Queue', 'CREATE_COMPLETE'),
    event('e4', 'Table', 'UPDATE_FAILED'),
    event('e5', 'Handler', 'UPDATE_IN_PROGRESS'),
  ]);
  expect(second.resources).toEqual({ Queue: 'CREATE_COMPLETE', Handler: 'UPDATE_IN_PROGRESS', Table: 'UPDATE_FAILED' });
  expect([second.done, second.inFlight, second.failed]).toEqual([1, 1, 1]);
  expect(second.firstFailure).toEqual({ resource: 'Handler', status: 'UPDATE_FAILED', reason: 'bad handler' });
  expect(second.lastEvent).toStrictEqual({ at: 5_000, resource: 'Handler', status: 'UPDATE_IN_PROGRESS' });
  expect(first.resources).toEqual({ Queue: 'CREATE_IN_PROGRESS', Handler: 'UPDATE_FAILED' });
});

test('a failure without a reason says so', () => {
  const progress = applyEvents(start, STACK, [event('e1', 'Bucket', 'CREATE_FAILED')]);
  expect(progress.firstFailure).toEqual({ resource: 'Bucket', status: 'CREATE_FAILED', reason: 'no reason given' });
  expect(progress.lastEvent).toStrictEqual({ at: 1_000, resource: 'Bucket', status: 'CREATE_FAILED' });
});

test('no events leave the progress as it was', () => {
  expect(applyEvents(start, STACK, [])).toStrictEqual(start);
});

const failure = { resource: 'Handler', status: 'UPDATE_FAILED', reason: 'bad handler' };
const ended = (status: string, firstFailure?: StackProgress['firstFailure']): StackProgress => ({
  ...start,
  status,
  ...(firstFailure ? { firstFailure } : {}),
});

test('stackFailure: a stack this deployment did not change says nothing, whatever its status', () => {
  expect(
    stackFailure(STACK, ended('UPDATE_ROLLBACK_FAILED', failure), { changed: false, stallCancelled: false }),
  ).toBeUndefined();
  expect(
    stackFailure(STACK, ended('UPDATE_ROLLBACK_COMPLETE'), { changed: false, stallCancelled: true }),
  ).toBeUndefined();
});

test('stackFailure: a changed stack that ended in success is fine', () => {
  expect(stackFailure(STACK, ended('UPDATE_COMPLETE'), { changed: true, stallCancelled: false })).toBeUndefined();
  expect(stackFailure(STACK, ended('CREATE_COMPLETE'), { changed: true, stallCancelled: false })).toBeUndefined();
});

test('stackFailure: a rolled back stack names its first failure', () => {
  expect(
    stackFailure(STACK, ended('UPDATE_ROLLBACK_COMPLETE', failure), { changed: true, stallCancelled: false }),
  ).toBe('stack Api ended UPDATE_ROLLBACK_COMPLETE (first failure: Handler UPDATE_FAILED: bad handler)');
});

test('stackFailure: a stall that was cancelled is the cause, even when a resource failed', () => {
  expect(stackFailure(STACK, ended('UPDATE_ROLLBACK_COMPLETE', failure), { changed: true, stallCancelled: true })).toBe(
    'stack Api ended UPDATE_ROLLBACK_COMPLETE (the update stalled and was cancelled)',
  );
});

test('stackFailure: no resource failure reported', () => {
  expect(stackFailure('Web', ended('ROLLBACK_COMPLETE'), { changed: true, stallCancelled: false })).toBe(
    'stack Web ended ROLLBACK_COMPLETE (no resource failure was reported)',
  );
});

test('stackFailure: a failed rollback tells the operator what to do', () => {
  expect(stackFailure(STACK, ended('UPDATE_ROLLBACK_FAILED', failure), { changed: true, stallCancelled: false })).toBe(
    'stack Api ended UPDATE_ROLLBACK_FAILED (first failure: Handler UPDATE_FAILED: bad handler); an operator must ' +
      'fix the resources that failed to roll back and continue the rollback',
  );
  expect(stackFailure(STACK, ended('UPDATE_ROLLBACK_FAILED'), { changed: true, stallCancelled: true })).toBe(
    'stack Api ended UPDATE_ROLLBACK_FAILED (the update stalled and was cancelled); an operator must fix the ' +
      'resources that failed to roll back and continue the rollback',
  );
});
