// Promotion without a server: what the upstream environments recorded decides whether a ref may deploy, and when.
import type { PromotionRule } from '../../src/contract/governance';
import {
  evidenceWords,
  promotableRefProblem,
  promotionVerdict,
  soakWords,
  type UpstreamDeployment,
  type UpstreamRecord,
} from '../../src/domain/promotion';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** Mon 2026-12-07 12:00 UTC. */
const NOW = Date.UTC(2026, 11, 7, 12, 0);

/** A deployment of `abc` in staging, requested `requestedAgo` before NOW and (unless running) closed 10m later. */
const deployment = (
  correlationId: string,
  status: string,
  requestedAgo: number,
  overrides: Partial<UpstreamDeployment> = {},
): UpstreamDeployment => ({
  environment: 'staging',
  correlationId,
  ref: 'abc',
  status,
  requestedAt: NOW - requestedAgo,
  ...(status === 'deploying' ? {} : { closedAt: NOW - requestedAgo + 10 * MIN }),
  ...overrides,
});

const staging = (ofRef: UpstreamDeployment[], latest?: UpstreamDeployment): UpstreamRecord => ({
  environment: 'staging',
  ofRef,
  ...(latest ? { latest } : {}),
});

const rule = (overrides: Partial<PromotionRule> = {}): PromotionRule => ({
  from: ['staging'],
  soakMs: 0,
  ...overrides,
});

describe('not succeeded upstream: refused, pointing to what the upstream environment did last', () => {
  test('an environment with no deployment at all (or no record of it)', () => {
    expect(promotionVerdict(rule(), 'abc', [], NOW)).toEqual({
      kind: 'refused',
      reason: 'abc has not succeeded in staging; staging has had no deployment yet',
    });
    expect(promotionVerdict(rule(), 'abc', [staging([])], NOW)).toEqual({
      kind: 'refused',
      reason: 'abc has not succeeded in staging; staging has had no deployment yet',
    });
  });

  test('the latest upstream deployment is named: its correlation ID, ref, status and age', () => {
    const latest = deployment('deploy-9', 'succeeded', 2 * HOUR, { ref: 'def' });
    expect(promotionVerdict(rule(), 'abc', [staging([], latest)], NOW)).toEqual({
      kind: 'refused',
      reason: 'abc has not succeeded in staging; last staging deployment: deploy-9 of def, succeeded, 2h ago',
    });
  });

  test('a latest deployment without a ref is named without one', () => {
    const latest = deployment('deploy-10', 'deploying', 5 * MIN, { ref: undefined });
    expect(promotionVerdict(rule(), 'abc', [staging([], latest)], NOW)).toEqual({
      kind: 'refused',
      reason: 'abc has not succeeded in staging; last staging deployment: deploy-10, deploying, 5m ago',
    });
  });

  test('only failed, cancelled or still-running deployments of the ref: none of them counts', () => {
    const ofRef = [
      deployment('deploy-1', 'failed', 3 * HOUR),
      deployment('deploy-2', 'cancelled', 2 * HOUR),
      // Still running, although its status already says succeeded: it has not closed.
      deployment('deploy-3', 'succeeded', 30 * MIN, { closedAt: undefined }),
      deployment('deploy-4', 'deploying', 20 * MIN),
    ];
    const verdict = promotionVerdict(rule(), 'abc', [staging(ofRef, ofRef[3])], NOW);
    expect(verdict).toEqual({
      kind: 'refused',
      reason: 'abc has not succeeded in staging; last staging deployment: deploy-4 of abc, deploying, 20m ago',
    });
  });
});

test('failed after it succeeded: refused, naming the failure and when it ended', () => {
  const ofRef = [deployment('deploy-1', 'succeeded', 3 * HOUR), deployment('deploy-2', 'failed', HOUR)];
  expect(promotionVerdict(rule(), 'abc', [staging(ofRef)], NOW)).toEqual({
    kind: 'refused',
    reason: 'abc failed in staging (deploy-2, 50m ago) after it succeeded there: deploy it to staging again first',
  });
});

test('succeeded again after a failure: ready, and only the successes since the failure count', () => {
  const ofRef = [
    deployment('deploy-1', 'succeeded', 5 * HOUR),
    deployment('deploy-2', 'failed', 4 * HOUR),
    deployment('deploy-3', 'succeeded', 2 * HOUR),
    deployment('deploy-4', 'succeeded', 30 * MIN),
  ];
  // The soak runs from deploy-3 (ended 1h 50m ago), not from deploy-1 (4h 50m ago), which came before the failure.
  expect(promotionVerdict(rule({ soakMs: 3 * HOUR }), 'abc', [staging(ofRef)], NOW)).toEqual({
    kind: 'soaking',
    readyAt: NOW - 110 * MIN + 3 * HOUR,
    evidence: [{ environment: 'staging', correlationId: 'deploy-3', ref: 'abc', succeededAt: NOW - 110 * MIN }],
  });
  expect(promotionVerdict(rule({ soakMs: HOUR }), 'abc', [staging(ofRef)], NOW)).toEqual({
    kind: 'ready',
    evidence: [{ environment: 'staging', correlationId: 'deploy-3', ref: 'abc', succeededAt: NOW - 110 * MIN }],
  });
});

test('the order of the records does not matter: the newest request decides', () => {
  const ofRef = [
    deployment('deploy-2', 'failed', HOUR),
    deployment('deploy-3', 'succeeded', 30 * MIN),
    deployment('deploy-1', 'succeeded', 3 * HOUR),
  ];
  expect(promotionVerdict(rule(), 'abc', [staging(ofRef)], NOW)).toEqual({
    kind: 'ready',
    evidence: [{ environment: 'staging', correlationId: 'deploy-3', ref: 'abc', succeededAt: NOW - 20 * MIN }],
  });
});

describe('maxAge', () => {
  test('the newest success is older than maxAge: refused, with its age and the limit', () => {
    const ofRef = [deployment('deploy-1', 'succeeded', 3 * HOUR + 10 * MIN)];
    expect(promotionVerdict(rule({ maxAgeMs: 2 * HOUR }), 'abc', [staging(ofRef)], NOW)).toEqual({
      kind: 'refused',
      reason:
        'abc succeeded in staging 3h ago (deploy-1), longer ago than its maxAge of 2h: ' +
        'deploy it to staging again first',
    });
  });

  test('a success exactly maxAge ago still counts', () => {
    const ofRef = [deployment('deploy-1', 'succeeded', 2 * HOUR + 10 * MIN)];
    expect(promotionVerdict(rule({ maxAgeMs: 2 * HOUR }), 'abc', [staging(ofRef)], NOW)).toMatchObject({
      kind: 'ready',
    });
  });

  test('successes older than maxAge do not start the soak', () => {
    const ofRef = [deployment('deploy-1', 'succeeded', 3 * HOUR), deployment('deploy-2', 'succeeded', 70 * MIN)];
    // deploy-2 ended 1h ago: with a 90m soak it is ready in 30m; deploy-1 (2h 50m ago) is past maxAge.
    expect(promotionVerdict(rule({ soakMs: 90 * MIN, maxAgeMs: 2 * HOUR }), 'abc', [staging(ofRef)], NOW)).toEqual({
      kind: 'soaking',
      readyAt: NOW + 30 * MIN,
      evidence: [{ environment: 'staging', correlationId: 'deploy-2', ref: 'abc', succeededAt: NOW - HOUR }],
    });
  });
});

describe('soak', () => {
  test('soaking until the oldest counted success plus the soak, with that success as evidence', () => {
    const ofRef = [deployment('deploy-1', 'succeeded', 40 * MIN), deployment('deploy-2', 'succeeded', 20 * MIN)];
    expect(promotionVerdict(rule({ soakMs: HOUR }), 'abc', [staging(ofRef)], NOW)).toEqual({
      kind: 'soaking',
      readyAt: NOW - 30 * MIN + HOUR,
      evidence: [{ environment: 'staging', correlationId: 'deploy-1', ref: 'abc', succeededAt: NOW - 30 * MIN }],
    });
  });

  test('ready once the soak has run its full length', () => {
    const ofRef = [deployment('deploy-1', 'succeeded', 70 * MIN)];
    expect(promotionVerdict(rule({ soakMs: HOUR }), 'abc', [staging(ofRef)], NOW)).toEqual({
      kind: 'ready',
      evidence: [{ environment: 'staging', correlationId: 'deploy-1', ref: 'abc', succeededAt: NOW - HOUR }],
    });
    expect(promotionVerdict(rule({ soakMs: HOUR }), 'abc', [staging(ofRef)], NOW - 1)).toMatchObject({
      kind: 'soaking',
      readyAt: NOW,
    });
  });
});

describe('several upstream environments', () => {
  const qa = (ofRef: UpstreamDeployment[]): UpstreamRecord => ({
    environment: 'qa',
    ofRef: ofRef.map((d) => ({ ...d, environment: 'qa' })),
  });
  const both = (overrides: Partial<PromotionRule> = {}) => rule({ from: ['staging', 'qa'], ...overrides });

  test('refused if any refuses, with the reason of each that does', () => {
    const ready = staging([deployment('deploy-1', 'succeeded', 2 * HOUR)]);
    expect(promotionVerdict(both(), 'abc', [ready, qa([])], NOW)).toEqual({
      kind: 'refused',
      reason: 'abc has not succeeded in qa; qa has had no deployment yet',
    });
    expect(promotionVerdict(both(), 'abc', [staging([]), qa([deployment('q-1', 'failed', HOUR)])], NOW)).toEqual({
      kind: 'refused',
      reason:
        'abc has not succeeded in staging; staging has had no deployment yet; ' +
        'abc has not succeeded in qa; qa has had no deployment yet',
    });
  });

  test('soaking until the latest soak ends, with the evidence of each in the order of `from`', () => {
    const records = [
      qa([deployment('q-1', 'succeeded', 40 * MIN)]),
      staging([deployment('deploy-1', 'succeeded', 50 * MIN)]),
    ];
    expect(promotionVerdict(both({ soakMs: HOUR }), 'abc', records, NOW)).toEqual({
      kind: 'soaking',
      readyAt: NOW + 30 * MIN,
      evidence: [
        { environment: 'staging', correlationId: 'deploy-1', ref: 'abc', succeededAt: NOW - 40 * MIN },
        { environment: 'qa', correlationId: 'q-1', ref: 'abc', succeededAt: NOW - 30 * MIN },
      ],
    });
  });

  test('one ready and one soaking: soaking until the other is ready', () => {
    const records = [
      staging([deployment('deploy-1', 'succeeded', 3 * HOUR)]),
      qa([deployment('q-1', 'succeeded', 40 * MIN)]),
    ];
    expect(promotionVerdict(both({ soakMs: HOUR }), 'abc', records, NOW)).toMatchObject({
      kind: 'soaking',
      readyAt: NOW + 30 * MIN,
    });
    expect(promotionVerdict(both({ soakMs: HOUR }), 'abc', records, NOW + 30 * MIN)).toMatchObject({
      kind: 'ready',
    });
  });
});

describe('wording', () => {
  const at = Date.UTC(2026, 11, 7, 8, 0);

  test('soakWords: where, until when, and how long from now', () => {
    expect(soakWords(at, at - 4 * MIN, ['staging'])).toBe('soaks in staging until Mon 2026-12-07 08:00 UTC (in 4m)');
    expect(soakWords(at, at - 2 * HOUR - 5 * MIN, ['staging', 'qa'])).toBe(
      'soaks in staging and qa until Mon 2026-12-07 08:00 UTC (in 2h 5m)',
    );
    expect(soakWords(at, at - 90_000)).toBe('soaks upstream until Mon 2026-12-07 08:00 UTC (in 1m 30s)');
  });

  test('evidenceWords: each upstream deployment and how long ago it succeeded', () => {
    const evidence = [
      { environment: 'staging', correlationId: 'deploy-12', ref: 'abc', succeededAt: at - 2 * HOUR },
      { environment: 'qa', correlationId: 'q-3', ref: 'abc', succeededAt: at - 45 * MIN },
    ];
    expect(evidenceWords(evidence, at)).toBe(
      'promoted from staging (deploy-12, succeeded 2h ago), qa (q-3, succeeded 45m ago)',
    );
  });
});

test('promotableRefProblem: a ref is needed, and one the promotion queries can quote', () => {
  expect(promotableRefProblem(undefined, 'production')).toBe(
    'production takes only promoted refs: give the ref (--ref) that succeeded upstream',
  );
  expect(promotableRefProblem('v1.2.3', 'production')).toBeUndefined();
  expect(promotableRefProblem('release/2026-12', 'production')).toBeUndefined();
  expect(promotableRefProblem('a"b', 'production')).toBe('ref "a\\"b": a promoted ref has no quotes or backslashes');
  expect(promotableRefProblem("it's", 'production')).toBe(`ref "it's": a promoted ref has no quotes or backslashes`);
  expect(promotableRefProblem('a\\b', 'production')).toBe('ref "a\\\\b": a promoted ref has no quotes or backslashes');
});
