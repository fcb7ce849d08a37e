// The summary a deployment ends with (deployctl --json prints it): timings, error, outputs, the revoked step.
import { resultOf } from '../../src/domain/result';
import type { DeploymentState } from '../../src/contract/deployment';

const state = (overrides: Partial<DeploymentState> = {}): DeploymentState => ({
  workflowId: 'deploy/production/deploy-7',
  environment: 'production',
  correlationId: 'deploy-7',
  priority: 'normal',
  status: 'succeeded',
  requestedAt: 1_000,
  notificationsFailed: 0,
  ...overrides,
});

test('a finished deployment: time queued, time deploying, no error, nothing optional', () => {
  expect(
    resultOf(state({ stackName: 'Api', queuedAt: 2_000, startedAt: 62_000, finishedAt: 182_000, ref: 'abc' })),
  ).toStrictEqual({
    correlationId: 'deploy-7',
    workflowId: 'deploy/production/deploy-7',
    environment: 'production',
    stackName: 'Api',
    status: 'succeeded',
    queuedMs: 60_000,
    durationMs: 120_000,
    error: null,
  });
});

test('a deployment still running has no timings yet', () => {
  const result = resultOf(state({ status: 'deploying', queuedAt: 2_000, startedAt: 62_000 }));
  expect(result.queuedMs).toBeNull();
  expect(result.durationMs).toBeNull();
  expect(result.stackName).toBeNull();
});

test('a deployment that ended before it was queued has no timings', () => {
  const result = resultOf(state({ status: 'failed', finishedAt: 5_000, error: 'unknown environment' }));
  expect([result.queuedMs, result.durationMs, result.error]).toEqual([null, null, 'unknown environment']);
});

test('a deployment that never got its turn was queued until it finished', () => {
  const result = resultOf(state({ status: 'timed-out', queuedAt: 2_000, finishedAt: 1_802_000, reason: 'waited 30m' }));
  expect(result.queuedMs).toBe(1_800_000);
  expect(result.durationMs).toBeNull();
  expect(result.error).toBe('waited 30m');
});

test('the error is the error, else the reason, else null', () => {
  expect(resultOf(state({ status: 'failed', error: 'exit 1', reason: 'ignored' })).error).toBe('exit 1');
  expect(resultOf(state({ status: 'cancelled', reason: 'cancelled by alice' })).error).toBe('cancelled by alice');
  expect(resultOf(state({ status: 'cancelled' })).error).toBeNull();
});

test('noChanges and outputs appear only when set', () => {
  const outputs = { ApiUrl: 'https://api.example' };
  expect(resultOf(state({ noChanges: true, outputs }))).toMatchObject({ noChanges: true, outputs });
  const plain = resultOf(state({ noChanges: false }));
  expect(plain).not.toHaveProperty('noChanges');
  expect(plain).not.toHaveProperty('outputs');
});

test('stepCompleted is reported for revoked deployments only, false when unknown', () => {
  expect(resultOf(state({ status: 'revoked' })).stepCompleted).toBe(false);
  expect(resultOf(state({ status: 'revoked' }))).toHaveProperty('stepCompleted', false);
  expect(resultOf(state({ status: 'revoked', stepCompleted: true })).stepCompleted).toBe(true);
  expect(resultOf(state({ status: 'revoked', stepCompleted: false })).stepCompleted).toBe(false);
  expect(resultOf(state({ status: 'cancelled', stepCompleted: true }))).not.toHaveProperty('stepCompleted');
  expect(resultOf(state({ status: 'succeeded', stepCompleted: true }))).not.toHaveProperty('stepCompleted');
});

test('a failed deployment carries its failure type; other outcomes never do', () => {
  const failed = resultOf(state({ status: 'failed', error: 'exit 1', errorType: 'DeployCommandFailed' }));
  expect(failed).toHaveProperty('errorType', 'DeployCommandFailed');
  expect(resultOf(state({ status: 'failed', error: 'exit 1' }))).not.toHaveProperty('errorType');
  expect(
    resultOf(state({ status: 'cancelled', reason: 'by alice', errorType: 'DeployStepStopped' })),
  ).not.toHaveProperty('errorType');
  expect(resultOf(state({ status: 'revoked', errorType: 'DeployStepStopped' }))).not.toHaveProperty('errorType');
});
