// What deployctl queue and deployctl status print.
import { renderHistory, renderQueue, renderState } from '../../src/cli/render';
import { nameProblem } from '../../src/contract/names';
import type { HistoryEntry } from '../../src/contract';
import { historyEntry } from '../helpers/history-entry';
import type { DeploymentState } from '../../src/contract/deployment';
import type { QueueView } from '../../src/contract/queue';

const holder: NonNullable<QueueView['holder']> = {
  workflowId: 'deploy/production/deploy-1',
  correlationId: 'deploy-1',
  stackName: 'Api',
  priority: 'normal',
  requestedAt: 0,
  queueMode: 'queue',
  livenessCheckIntervalMs: 60_000,
  expectedDurationMs: 600_000,
  runId: 'run-1',
  revokeWaitMs: 70_000,
  notices: { to: 'log' as const },
  leaseId: 'lease-7',
  grantedAt: 1_000,
  runningMs: 150_000,
};
const waiting: QueueView['waiting'] = [
  {
    position: 1,
    workflowId: 'deploy/production/hotfix-2',
    correlationId: 'hotfix-2',
    stackName: 'Api',
    priority: 'high',
    requestedAt: 2_000,
    etaMs: 450_000,
  },
  {
    position: 2,
    workflowId: 'deploy/production/deploy-3',
    correlationId: 'deploy-3',
    stackName: 'Api-Canary',
    priority: 'normal',
    requestedAt: 1_500,
    etaMs: 4_500_000,
  },
];

test('a queue with a holder and waiting deployments, high priority marked', () => {
  expect(renderQueue({ environment: 'production', holder, waiting }).split('\n')).toEqual([
    'environment production',
    '  deploying: deploy-1 (Api, lease lease-7, running 2m 30s)',
    '  1. hotfix-2 (Api, high priority, ETA 7m 30s)',
    '  2. deploy-3 (Api-Canary, ETA 1h 15m)',
  ]);
});

test('a revoked holder is shown stopping, and nobody waiting says so', () => {
  const revoked = { ...holder, revoked: { reason: 'force-released by alice', at: Date.UTC(2026, 10, 27, 10, 15) } };
  expect(renderQueue({ environment: 'staging', holder: revoked, waiting: [] })).toBe(
    [
      'environment staging',
      '  deploying: deploy-1 (Api, lease lease-7, running 2m 30s)',
      '  revoked:   stopping since 2026-11-27T10:15:00.000Z (force-released by alice)',
      '  waiting: nobody',
    ].join('\n'),
  );
});

test('an idle environment', () => {
  expect(renderQueue({ environment: 'staging', holder: null, waiting: [] })).toBe(
    'environment staging\n  deploying: nobody\n  waiting: nobody',
  );
  expect(renderQueue({ environment: 'staging', holder: null, waiting: waiting.slice(0, 1) }).split('\n')).toEqual([
    'environment staging',
    '  deploying: nobody',
    '  1. hotfix-2 (Api, high priority, ETA 7m 30s)',
  ]);
});

const at = (minute: number) => Date.UTC(2026, 10, 27, 10, minute);
const state = (overrides: Partial<DeploymentState> = {}): DeploymentState => ({
  workflowId: 'deploy/production/deploy-7',
  environment: 'production',
  correlationId: 'deploy-7',
  priority: 'normal',
  status: 'queued',
  requestedAt: at(0),
  notificationsFailed: 0,
  ...overrides,
});

test('a queued deployment: what is not known yet reads "-"', () => {
  expect(renderState(state()).split('\n')).toEqual([
    'deployment deploy-7 (deploy/production/deploy-7)',
    '  status:      queued',
    '  environment: production',
    '  stack name:  -',
    '  ref:         -',
    '  priority:    normal',
    '  requested:   2026-11-27T10:00:00.000Z',
    '  started:     -',
    '  finished:    -',
  ]);
});

test('a failed cdk deployment with its stack progress, change set, failed notifications and error', () => {
  const lines = renderState(
    state({
      status: 'failed',
      stackName: 'Api',
      ref: 'a1b2c3d',
      priority: 'high',
      startedAt: at(1),
      finishedAt: at(5),
      stack: {
        status: 'UPDATE_ROLLBACK_COMPLETE',
        resources: {},
        done: 3,
        inFlight: 0,
        failed: 1,
        lastEvent: { at: at(4), resource: 'Api', status: 'UPDATE_ROLLBACK_COMPLETE' },
        firstFailure: { resource: 'Handler', status: 'UPDATE_FAILED', reason: 'bad handler' },
      },
      assembly: 's3://ci-artifacts/builds/abc/',
      changeSet: 'deploy-deploy-7',
      notificationsFailed: 2,
      error: 'stack Api ended UPDATE_ROLLBACK_COMPLETE',
    }),
  ).split('\n');
  expect(lines.slice(3)).toEqual([
    '  stack name:  Api',
    '  ref:         a1b2c3d',
    '  priority:    high',
    '  requested:   2026-11-27T10:00:00.000Z',
    '  started:     2026-11-27T10:01:00.000Z',
    '  finished:    2026-11-27T10:05:00.000Z',
    '  stack:       UPDATE_ROLLBACK_COMPLETE: 3 resources done, 0 in flight, 1 failed',
    '  last event:  Api UPDATE_ROLLBACK_COMPLETE at 2026-11-27T10:04:00.000Z',
    '  first failure: Handler UPDATE_FAILED: bad handler',
    '  assembly:    s3://ci-artifacts/builds/abc/',
    '  change set:  deploy-deploy-7',
    '  notifications: 2 not delivered',
    '  error:       stack Api ended UPDATE_ROLLBACK_COMPLETE',
  ]);
});

test('a succeeded deployment without changes lists its outputs', () => {
  const lines = renderState(
    state({ status: 'succeeded', noChanges: true, outputs: { ApiUrl: 'https://api.example', Bucket: 'b-1' } }),
  ).split('\n');
  expect(lines.slice(9)).toEqual([
    '  changes:     none (the stack already matched)',
    '  output:      ApiUrl = https://api.example',
    '  output:      Bucket = b-1',
  ]);
});

test('a revoked deployment says whether its deploy step had run to its end', () => {
  const revoked = state({ status: 'revoked', reason: 'force-released by alice', startedAt: at(1), finishedAt: at(2) });
  expect(renderState(revoked).split('\n').slice(9)).toEqual([
    '  reason:      force-released by alice',
    '  deploy step: stopped before its end',
  ]);
  expect(
    renderState({ ...revoked, stepCompleted: true })
      .split('\n')
      .slice(-1),
  ).toEqual(['  deploy step: had run to its end']);
  expect(renderState(state({ status: 'cancelled', stepCompleted: true }))).not.toContain('deploy step');
});

test('the error line names its failure type when there is one', () => {
  const failed = state({ status: 'failed', error: 'deploy command exited 1' });
  expect(
    renderState({ ...failed, errorType: 'DeployCommandFailed' })
      .split('\n')
      .slice(-1),
  ).toEqual(['  error:       deploy command exited 1 (DeployCommandFailed)']);
  expect(renderState(failed).split('\n').slice(-1)).toEqual(['  error:       deploy command exited 1']);
});

test('a runner-side deployment: waiting for its runner, running, stopping, exited', () => {
  const runnerLine = (runner: DeploymentState['runner']) =>
    renderState(state({ status: 'deploying', runner }))
      .split('\n')
      .find((line) => line.startsWith('  runner:'));
  expect(runnerLine({ startedAt: at(1), lastHeartbeatAt: at(1) })).toBe(
    '  runner:      waiting for the runner to start the command since 2026-11-27T10:01:00.000Z',
  );
  const claimed = { startedAt: at(1), runnerId: 'ci-7/4242/a1b2c3', claimedAt: at(1), lastHeartbeatAt: at(3) };
  expect(runnerLine(claimed)).toBe('  runner:      ci-7/4242/a1b2c3, last heard 2026-11-27T10:03:00.000Z');
  expect(runnerLine({ ...claimed, stopRequested: true })).toBe(
    '  runner:      ci-7/4242/a1b2c3, last heard 2026-11-27T10:03:00.000Z, asked to stop',
  );
  expect(runnerLine({ ...claimed, stopRequested: true, exit: { exitCode: null, signal: 'SIGTERM' } })).toBe(
    '  runner:      ci-7/4242/a1b2c3, last heard 2026-11-27T10:03:00.000Z, killed by SIGTERM',
  );
  expect(runnerLine({ ...claimed, exit: { exitCode: 2, signal: null } })).toBe(
    '  runner:      ci-7/4242/a1b2c3, last heard 2026-11-27T10:03:00.000Z, exited with code 2',
  );
});

const entry = (overrides: Partial<HistoryEntry>): HistoryEntry =>
  historyEntry({
    correlationId: 'deploy-1',
    workflowId: 'deploy/staging/deploy-1',
    ref: 'abc123',
    endedAt: '2026-11-27T10:01:07.000Z',
    queuedMs: 2_000,
    durationMs: 65_000,
    requestedBy: 'ana',
    ...overrides,
  });

test('history: aligned columns, newest first as given; why and the CI run beneath those that did not succeed', () => {
  const text = renderHistory('staging', [
    entry({
      correlationId: 'deploy-2',
      status: 'cancelled',
      requestedAt: '2026-11-27T11:00:00.000Z',
      ref: null,
      queuedMs: null,
      durationMs: null,
      requestedBy: null,
      error: 'wrong branch',
      stoppedBy: 'bo',
      ciRunUrl: 'https://github.com/o/r/actions/runs/7',
    }),
    entry({ freezeOverride: { reason: 'hotfix for incident 43', by: 'ana' } }),
  ]);
  expect(text.split('\n')).toEqual([
    'REQUESTED (UTC)      CORRELATION ID  STATUS     REF     QUEUED  TOOK   REQUESTED BY',
    '2026-11-27 11:00:00  deploy-2        cancelled  -       -       -      -',
    '    cancelled (by bo): wrong branch',
    '    CI run: https://github.com/o/r/actions/runs/7',
    '2026-11-27 10:00:00  deploy-1        succeeded  abc123  2s      1m 5s  ana',
    '    Deployed through a freeze (override by ana): hotfix for incident 43',
  ]);
  expect(renderHistory('staging', [])).toBe('environment staging: no deployments found');
});

test('names of people: printable, 1 to 100 characters, not blank', () => {
  for (const good of ['ana', 'dependabot[bot]', 'Ana Lima', 'ana@example.com', 'é'.repeat(100)]) {
    expect(nameProblem('actor', good)).toBeUndefined();
  }
  for (const bad of ['', ' ', 'a'.repeat(101), 'ana\n', 'ana\u0007', '\t']) {
    expect(nameProblem('actor', bad)).toMatch(
      /^invalid actor .*: use 1 to 100 characters, not all blank, no control characters$/,
    );
  }
});
