// Where an environment's notices go, and a notice as one line of the worker log (the same words as in Slack).
import { noticeRoute } from '../../src/domain/notice-route';
import { renderLogLine } from '../../src/notices/log-line';
import { statusLine } from '../../src/notices/wording';
import type { DeploymentNotice } from '../../src/contract/notice';
import type { EnvironmentSettings } from '../../src/contract/settings';

const settings = (overrides: Partial<EnvironmentSettings>): EnvironmentSettings => ({
  environment: 'staging',
  notifyTimeoutMs: 30_000,
  stackName: 'Api',
  lockWaitTimeoutMs: 1_800_000,
  expectedDurationMs: 1_800_000,
  queueMode: 'queue',
  livenessCheckIntervalMs: 60_000,
  deployTimeoutMs: 7_200_000,
  runnerHeartbeatTimeoutMs: 60_000,
  deploy: { type: 'command', command: ['./deploy.sh'], killGracePeriodMs: 10_000, heartbeatTimeoutMs: 30_000 },
  ...overrides,
});

test('notices go to Slack when the worker can post to a channel there, else to the log', () => {
  expect(noticeRoute(settings({ notifyTo: 'log' }))).toStrictEqual({ to: 'log' });
  expect(noticeRoute(settings({ notifyTo: 'log', slackChannel: '#deploys' }))).toStrictEqual({ to: 'log' });
  expect(noticeRoute(settings({ notifyTo: 'slack', slackChannel: '#deploys' }))).toStrictEqual({
    to: 'slack',
    channel: '#deploys',
  });
  expect(noticeRoute(settings({ notifyTo: 'slack' }))).toStrictEqual({ to: 'log' });
  expect(noticeRoute(settings({ slackChannel: '#deploys' }))).toStrictEqual({ to: 'log' });
});

const deployment: DeploymentNotice['deployment'] = {
  workflowId: 'deploy/staging/deploy-3',
  environment: 'staging',
  correlationId: 'deploy-3',
  stackName: 'Api',
  priority: 'normal',
  status: 'queued',
  requestedAt: 1_000,
};
const notice = (
  kind: DeploymentNotice['kind'],
  overrides: Partial<DeploymentNotice['deployment']> = {},
  detail?: string,
): DeploymentNotice => ({
  kind,
  deployment: { ...deployment, ...overrides },
  ...(detail === undefined ? {} : { detail }),
});

test('a queued notice without a queue lookup', () => {
  expect(renderLogLine(notice('queued'))).toStrictEqual({
    message: 'Queued: Api → staging: Queued for the environment',
    fields: { notice: 'queued', correlationId: 'deploy-3' },
  });
});

test('a started notice; a deployment whose stack is not known yet', () => {
  expect(renderLogLine(notice('started', { status: 'deploying' })).message).toBe(
    'Deploying: Api → staging: Deploying now',
  );
  expect(renderLogLine(notice('queued', { stackName: undefined })).message).toBe(
    'Queued: (stack pending) → staging: Queued for the environment',
  );
});

test('progress and stalls say their detail once, in the message', () => {
  const detail = 'UPDATE_IN_PROGRESS: 12 of 40 resources done';
  expect(renderLogLine(notice('progress', { status: 'deploying' }, detail))).toStrictEqual({
    message: `Deploying: Api → staging: ${detail}`,
    fields: { notice: 'progress', correlationId: 'deploy-3' },
  });
  expect(renderLogLine(notice('stalled', { status: 'deploying' }, 'No stack events for 10m'))).toStrictEqual({
    message: 'Stalled: Api → staging: No stack events for 10m',
    fields: { notice: 'stalled', correlationId: 'deploy-3' },
  });
  expect(renderLogLine(notice('progress', { status: 'deploying' })).message).toBe(
    'Deploying: Api → staging: Deploying',
  );
});

test('a finished notice: the outcome, its outputs joined with "; ", and a detail that is not the line', () => {
  const finished = { startedAt: 60_000, finishedAt: 185_000 };
  expect(
    renderLogLine(
      notice('finished', {
        ...finished,
        status: 'succeeded',
        outputs: { ApiUrl: 'https://api.example', Bucket: 'b-1' },
      }),
    ),
  ).toStrictEqual({
    message: 'Succeeded: Api → staging: Succeeded in 2m 5s; ApiUrl = https://api.example; Bucket = b-1',
    fields: { notice: 'finished', correlationId: 'deploy-3' },
  });
  expect(
    renderLogLine(notice('finished', { ...finished, status: 'failed', error: 'exit 1' }, 'see the stack events')),
  ).toStrictEqual({
    message: 'Failed: Api → staging: Failed in 2m 5s: exit 1',
    fields: { notice: 'finished', correlationId: 'deploy-3', detail: 'see the stack events' },
  });
  expect(renderLogLine(notice('finished', { ...finished, status: 'succeeded', noChanges: true })).message).toBe(
    'Succeeded: Api → staging: Succeeded in 2m 5s (no changes: the stack already matched)',
  );
  expect(renderLogLine(notice('finished', { status: 'cancelled', reason: 'cancelled by alice' })).message).toBe(
    'Cancelled: Api → staging: Cancelled: cancelled by alice',
  );
});

test('a deployment the lock recovered after it ended without releasing', () => {
  const detail = 'the lock took the turn back from deploy-3';
  expect(renderLogLine(notice('stale-recovered', { status: 'deploying' }, detail))).toStrictEqual({
    message: `Ended without releasing: Api → staging: ${detail}`,
    fields: { notice: 'stale-recovered', correlationId: 'deploy-3' },
  });
});

test('a closed environment: the queued notice says why and until when; the final one says how it got through', () => {
  const opensAt = Date.parse('2026-12-07T08:00:00Z');
  const queuedAt = opensAt - 2 * 3_600_000 - 5 * 60_000;
  const queued: DeploymentNotice = { kind: 'queued', deployment: { ...deployment, queuedAt } };
  const closure = { kind: 'freeze-window' as const, reason: 'weekend freeze', opensAt };
  const position = { position: 1, waiting: 1, holderCorrelationId: null, etaMs: opensAt - queuedAt, closure };
  expect(statusLine(queued, position)).toBe(
    'Waiting: position 1 of 1; staging is frozen until Mon 2026-12-07 08:00 UTC (in 2h 5m): weekend freeze',
  );
  const finished: DeploymentNotice = {
    kind: 'finished',
    deployment: {
      ...deployment,
      status: 'succeeded',
      startedAt: 2_000,
      finishedAt: 5_000,
      freezeOverride: { reason: 'hotfix', by: 'ana' },
      finishedInFreeze: { kind: 'frozen-by-hand', reason: 'incident 42', by: 'bo' },
    },
  };
  expect(statusLine(finished).split('\n')).toEqual([
    'Succeeded in 3s',
    'Deployed through a freeze (override by ana): hotfix',
    'Finished inside a freeze: staging is frozen by bo until the freeze is lifted: incident 42',
  ]);
});
