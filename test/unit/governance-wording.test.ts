// What notices say about promotion, approvals and rollbacks: the queued and finished lines, the refused headline.
import type { DeploymentNotice } from '../../src/contract/notice';
import { headline, statusLine } from '../../src/notices/wording';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** Mon 2026-12-07 08:00 UTC. */
const QUEUED_AT = Date.UTC(2026, 11, 7, 8, 0);

const deployment: DeploymentNotice['deployment'] = {
  workflowId: 'deploy/production/deploy-7',
  environment: 'production',
  correlationId: 'deploy-7',
  stackName: 'Api',
  ref: 'abc',
  priority: 'normal',
  status: 'queued',
  requestedAt: QUEUED_AT - 1_000,
  queuedAt: QUEUED_AT,
};

const queued = (overrides: Partial<DeploymentNotice['deployment']>): DeploymentNotice => ({
  kind: 'queued',
  deployment: { ...deployment, ...overrides },
});

describe('queued', () => {
  const awaiting = { required: 1, approvals: [] };
  const queue = { position: 2, waiting: 3, holderCorrelationId: 'deploy-6', etaMs: 5 * MIN };

  test('waiting for approval: how many, and the command that gives one', () => {
    expect(statusLine(queued({ approval: awaiting }))).toBe(
      'Queued for the environment\nWaiting for approval (0/1): deployctl approve --env production deploy-7',
    );
    expect(statusLine(queued({ approval: awaiting }), queue)).toBe(
      'Waiting: position 2 of 3 behind deploy-6, about 5m to go\n' +
        'Waiting for approval (0/1): deployctl approve --env production deploy-7',
    );
  });

  test('counted at the time it was queued: an approval in force then counts, one expired does not', () => {
    const approval = {
      required: 2,
      approvals: [
        { by: 'bo', at: QUEUED_AT - HOUR, expiresAt: QUEUED_AT + HOUR },
        { by: 'cy', at: QUEUED_AT - 2 * HOUR, expiresAt: QUEUED_AT },
      ],
    };
    expect(statusLine(queued({ approval })).split('\n')[1]).toBe(
      'Waiting for approval (1/2): deployctl approve --env production deploy-7',
    );
  });

  test('a free environment: "Queued" while it waits for approval, "Starting" when nothing holds it back', () => {
    expect(statusLine(queued({ approval: awaiting }), null).split('\n')[0]).toBe('Queued: the environment is free');
    expect(statusLine(queued({}), null)).toBe('Starting: the environment is free');
  });

  test('approved already: no approval line', () => {
    const approval = {
      required: 1,
      approvals: [{ by: 'bo', at: QUEUED_AT, expiresAt: QUEUED_AT + HOUR }],
      approvedUntil: QUEUED_AT + HOUR,
    };
    expect(statusLine(queued({ approval }), null)).toBe('Starting: the environment is free');
  });

  test('soaking upstream: until when; a soak already over when it was queued is not mentioned', () => {
    expect(statusLine(queued({ soakUntil: QUEUED_AT + HOUR + 5 * MIN }))).toBe(
      'Queued for the environment\nabc soaks upstream until Mon 2026-12-07 09:05 UTC (in 1h 5m)',
    );
    expect(statusLine(queued({ soakUntil: QUEUED_AT }))).toBe('Queued for the environment');
  });

  test('a rollback, soaking and awaiting approval: each line in turn', () => {
    const notice = queued({
      rollback: { correlationId: 'deploy-3', reason: 'errors after deploy-6' },
      soakUntil: QUEUED_AT + 4 * MIN,
      approval: awaiting,
    });
    expect(statusLine(notice).split('\n')).toEqual([
      'Queued for the environment',
      'Rollback to deploy-3 (abc): errors after deploy-6',
      'abc soaks upstream until Mon 2026-12-07 08:04 UTC (in 4m)',
      'Waiting for approval (0/1): deployctl approve --env production deploy-7',
    ]);
  });
});

describe('finished', () => {
  const STARTED_AT = QUEUED_AT + 10 * MIN;
  const finished = (overrides: Partial<DeploymentNotice['deployment']>): DeploymentNotice => ({
    kind: 'finished',
    deployment: {
      ...deployment,
      status: 'succeeded',
      startedAt: STARTED_AT,
      finishedAt: STARTED_AT + 2 * MIN,
      ...overrides,
    },
  });

  test('the promotion evidence and who approved it, as of its start', () => {
    const notice = finished({
      promotedFrom: [
        { environment: 'staging', correlationId: 'deploy-s1', ref: 'abc', succeededAt: STARTED_AT - 2 * HOUR },
        { environment: 'qa', correlationId: 'deploy-q1', ref: 'abc', succeededAt: STARTED_AT - 45 * MIN },
      ],
      approval: {
        required: 2,
        approvals: [
          { by: 'bo', at: QUEUED_AT, expiresAt: STARTED_AT + HOUR },
          { by: 'old', at: QUEUED_AT - 5 * HOUR, expiresAt: STARTED_AT - MIN },
          { by: 'cy', at: QUEUED_AT, expiresAt: STARTED_AT + HOUR },
        ],
        approvedUntil: STARTED_AT + HOUR,
      },
    });
    expect(statusLine(notice).split('\n')).toEqual([
      'Succeeded in 2m',
      'Promoted from staging (deploy-s1, succeeded 2h ago), qa (deploy-q1, succeeded 45m ago)',
      'Approved by bo, cy (2/2)',
    ]);
  });

  test('a rollback: what it repeats, its ref and why', () => {
    const notice = finished({ rollback: { correlationId: 'deploy-3', reason: 'errors after deploy-6' } });
    expect(statusLine(notice)).toBe('Succeeded in 2m\nRollback to deploy-3 (abc): errors after deploy-6');
    const noRef = finished({ ref: undefined, rollback: { correlationId: 'deploy-3', reason: 'bad config' } });
    expect(statusLine(noRef)).toBe('Succeeded in 2m\nRollback to deploy-3: bad config');
  });

  test('rejected before it started: who rejected it and why, and no approval line', () => {
    const notice = finished({
      status: 'rejected',
      startedAt: undefined,
      finishedAt: QUEUED_AT + MIN,
      reason: 'not on a Friday',
      stoppedBy: 'bo',
      approval: { required: 2, approvals: [{ by: 'cy', at: QUEUED_AT, expiresAt: QUEUED_AT + HOUR }] },
    });
    expect(statusLine(notice)).toBe('Rejected by bo: not on a Friday');
  });
});

describe('refused', () => {
  const refused = (errorType: string): DeploymentNotice => ({
    kind: 'finished',
    deployment: {
      ...deployment,
      status: 'refused',
      errorType,
      reason: 'not promoted: abc has not succeeded in staging; staging has had no deployment yet',
    },
  });

  test('not promoted: its own headline and label', () => {
    expect(headline(refused('NotPromoted'))).toEqual({ emoji: ':no_entry:', label: 'Refused (not promoted)' });
    expect(statusLine(refused('NotPromoted'))).toBe(
      'Refused (not promoted): not promoted: abc has not succeeded in staging; staging has had no deployment yet',
    );
  });

  test('any other refusal is the closed environment', () => {
    expect(headline(refused('EnvironmentClosed'))).toEqual({
      emoji: ':snowflake:',
      label: 'Refused (environment closed)',
    });
  });
});
