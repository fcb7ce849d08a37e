// How a deployment shows on GitHub: the status each notice sets, which requests get a GitHub deployment, the worker's
// credentials as its environment gives them, and GitHub's failures as the workflow sees them.
import { generateKeyPairSync } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { githubFailure } from '../../src/activities/github-deployments';
import { githubCredentials } from '../../src/activities/github-credentials';
import type { DeploymentNotice, DeploymentStatus, EnvironmentSettings } from '../../src/contract';
import { githubTarget } from '../../src/domain/github-target';
import { GITHUB_DESCRIPTION_MAX, githubStatus } from '../../src/notices/github-status';

const deployment: DeploymentNotice['deployment'] = {
  workflowId: 'deploy/production/d-1',
  environment: 'production',
  correlationId: 'd-1',
  stackName: 'Api',
  priority: 'normal',
  status: 'queued',
  requestedAt: 1_000,
};
const notice = (kind: DeploymentNotice['kind'], overrides: Partial<DeploymentNotice['deployment']> = {}) => ({
  kind,
  deployment: { ...deployment, ...overrides },
});
const ended = (status: DeploymentStatus, overrides: Partial<DeploymentNotice['deployment']> = {}) =>
  githubStatus(notice('finished', { status, finishedAt: 9_000, ...overrides }))?.state;

test('queued and started set queued and in_progress; progress and stalls set nothing', () => {
  expect(githubStatus(notice('queued'))).toEqual({ state: 'queued', description: 'Queued for the environment' });
  expect(githubStatus(notice('started', { status: 'deploying', startedAt: 2_000 }))).toEqual({
    state: 'in_progress',
    description: 'Deploying now',
  });
  expect(githubStatus(notice('progress'))).toBeUndefined();
  expect(githubStatus(notice('stalled'))).toBeUndefined();
  expect(githubStatus(notice('stale-recovered'))).toBeUndefined();
});

test('an outcome: success, failure; error when it held the environment, inactive when it never did', () => {
  const ran = { startedAt: 2_000 };
  expect(ended('succeeded', ran)).toBe('success');
  expect(ended('failed', ran)).toBe('failure');
  // Stopped while it held the environment: the stack may be half changed.
  for (const status of ['cancelled', 'revoked', 'timed-out'] as const) expect(ended(status, ran)).toBe('error');
  // Never held it: the environment still shows its last success.
  for (const status of ['cancelled', 'superseded', 'timed-out', 'refused', 'rejected'] as const) {
    expect(ended(status)).toBe('inactive');
  }
});

test("a description is the outcome's line, cut to GitHub's 140 characters", () => {
  const status = githubStatus(
    notice('finished', { status: 'failed', startedAt: 2_000, finishedAt: 14_000, error: `exit 1: ${'x'.repeat(300)}` }),
  )!;
  expect(status.description).toMatch(/^Failed in 12s: exit 1: x+…$/);
  expect(status.description).toHaveLength(GITHUB_DESCRIPTION_MAX);
  expect(githubStatus(notice('finished', { status: 'cancelled', reason: 'not today', stoppedBy: 'ana' }))).toEqual({
    state: 'inactive',
    description: 'Cancelled by ana: not today',
  });
});

const settings = { github: { environment: 'production', transient: false } } as EnvironmentSettings;
const input = { environment: 'production', correlationId: 'd-1', priority: 'normal' as const };

test('a request gets a GitHub deployment when the worker reports there and it names a repository and a commit', () => {
  const asked = { ...input, github: { repository: 'acme/shop', sha: 'abc' } };
  expect(githubTarget(asked, settings, undefined)).toEqual({
    target: { repository: 'acme/shop', ref: 'abc', environment: 'production', transient: false },
  });
  // The ref asked for wins over the commit the run built.
  expect(githubTarget({ ...asked, ref: 'v1.2' }, settings, undefined)).toMatchObject({ target: { ref: 'v1.2' } });
  expect(githubTarget(asked, { ...settings, github: undefined }, undefined)).toEqual({ none: 'not asked' });
  expect(githubTarget(input, settings, undefined)).toEqual({ none: 'not asked' });
  expect(githubTarget({ ...input, github: { repository: 'acme/shop' } }, settings, undefined)).toEqual({
    none: 'the request names no ref or commit',
  });
});

test("a verified request shows only in its own repository (the ID token's)", () => {
  const asked = { ...input, ref: 'v1', github: { repository: 'acme/shop' } };
  const claims = (repository: string) => ({ issuer: 'i', subject: 's', repository });
  expect(githubTarget(asked, settings, claims('Acme/Shop'))).toHaveProperty('target');
  expect(githubTarget(asked, settings, claims('evil/fork'))).toEqual({
    none: "the request's ID token is of evil/fork, not acme/shop",
  });
});

describe('the worker credentials', () => {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();

  test('a token, an App with its key (also on one line, as some secret stores keep it), or none', () => {
    expect(githubCredentials({})).toBeUndefined();
    expect(githubCredentials({ DEPLOY_GITHUB_TOKEN: ' ghp_x ' })).toEqual({ kind: 'token', token: 'ghp_x' });
    expect(githubCredentials({ DEPLOY_GITHUB_APP_ID: '12', DEPLOY_GITHUB_APP_PRIVATE_KEY: key })).toEqual({
      kind: 'app',
      appId: '12',
      privateKey: key,
    });
    const oneLine = key.replace(/\n/g, '\\n');
    expect(githubCredentials({ DEPLOY_GITHUB_APP_ID: '12', DEPLOY_GITHUB_APP_PRIVATE_KEY: oneLine })).toMatchObject({
      privateKey: key,
    });
  });

  test.each([
    [{ DEPLOY_GITHUB_APP_ID: 'x1', DEPLOY_GITHUB_APP_PRIVATE_KEY: 'k' }, /DEPLOY_GITHUB_APP_ID "x1" is not an App ID/],
    [{ DEPLOY_GITHUB_TOKEN: 't', DEPLOY_GITHUB_APP_ID: '1' }, /not both/],
    [{ DEPLOY_GITHUB_APP_PRIVATE_KEY: 'k' }, /without DEPLOY_GITHUB_APP_ID/],
    [
      { DEPLOY_GITHUB_APP_ID: '1', DEPLOY_GITHUB_APP_PRIVATE_KEY: 'k', DEPLOY_GITHUB_APP_PRIVATE_KEY_PATH: 'p' },
      /not both/,
    ],
    [{ DEPLOY_GITHUB_APP_ID: '1', DEPLOY_GITHUB_APP_PRIVATE_KEY: 'SECRET-ish' }, /not a PEM private key/],
  ])('%j is refused, naming the variable and never the key', (env, message) => {
    let error: Error | undefined;
    try {
      githubCredentials(env);
    } catch (err) {
      error = err as Error;
    }
    expect(error?.name).toBe('ConfigError');
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('SECRET-ish');
  });
});

describe("GitHub's failures", () => {
  const answered = (status: number, headers: Record<string, string> = {}, message = 'no') =>
    githubFailure('create deployment', { status, response: { headers, data: { message } } });

  test('rate limits wait as GitHub asks: retry-after, or until the limit resets', () => {
    expect(answered(429, { 'retry-after': '7' })).toMatchObject({ type: 'GitHubUnavailable', nextRetryDelay: '7s' });
    expect(answered(403, { 'retry-after': '3' })).toMatchObject({ nextRetryDelay: '3s', nonRetryable: false });
    const reset = String(Math.floor(Date.now() / 1000) + 42);
    const limited = answered(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset });
    expect(Number(String(limited.nextRetryDelay).replace('s', ''))).toBeGreaterThanOrEqual(41);
  });

  test('a refusal retrying cannot fix is not retried; an outage is', () => {
    const refused = answered(422, {}, 'No ref found for: v9');
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect(refused).toMatchObject({
      type: 'GitHubRejected',
      nonRetryable: true,
      message: 'GitHub create deployment: HTTP 422: No ref found for: v9',
    });
    expect(answered(403, {}, 'Resource not accessible by integration')).toMatchObject({ nonRetryable: true });
    expect(answered(503)).toMatchObject({ type: 'GitHubUnavailable', nonRetryable: false });
    expect(githubFailure('create deployment', new Error('socket hang up'))).toMatchObject({
      message: 'GitHub create deployment: no answer',
      nonRetryable: false,
    });
  });
});
