// Access rules on verified claims: globs per claim, every claim a rule names must match, and a ref given as a commit
// must be the commit the token's run built.
import fc from 'fast-check';
import type { EnvironmentAccess, OperatorAccess, VerifiedClaims } from '../../src/contract';
import { accessProblem, operatorProblem } from '../../src/domain/access-rules';
import { claimsOf, requesterWords } from '../../src/domain/id-token-claims';

const claims: VerifiedClaims = {
  issuer: 'https://token.actions.githubusercontent.com',
  subject: 'repo:acme/app:environment:production',
  actor: 'octocat',
  repository: 'acme/app',
  ref: 'refs/heads/release/2.1',
  sha: 'b'.repeat(40),
  workflow: 'acme/app/.github/workflows/deploy.yml@refs/heads/release/2.1',
  environment: 'production',
};
const access = (allow?: EnvironmentAccess['allow'], matchCommit = true): EnvironmentAccess => ({
  identity: 'required',
  matchCommit,
  ...(allow ? { allow } : {}),
});

test.each([
  [[{ repository: 'acme/app' }], true],
  [[{ repository: 'acme/*', ref: 'refs/heads/release/*' }], true],
  [[{ ref: 'refs/heads/*' }], false],
  [[{ ref: 'refs/heads/**' }], true],
  [[{ repository: 'acme/other' }, { environment: 'production', actor: 'octo*' }], true],
  [[{ repository: 'acme/app', ref: 'refs/heads/main' }], false],
  [[{ workflow: 'acme/app/.github/workflows/deploy.yml@*' }], false],
  [[{ workflow: 'acme/app/.github/workflows/deploy.yml@refs/heads/**' }], true],
])('rules %j allow the token: %s', (allow, allowed) => {
  expect(accessProblem('production', access(allow), claims, 'v2.1') === undefined).toBe(allowed);
});

test('a refusal names the rules that did not match and the claims it saw', () => {
  expect(
    accessProblem('production', access([{ repository: 'acme/app', ref: 'refs/heads/main' }]), claims, 'x'),
  ).toEqual({
    check: 'rule',
    reason:
      'no access rule of production allows this token: it needs {repository acme/app, ref refs/heads/main}; the ' +
      'token has issuer https://token.actions.githubusercontent.com, repository acme/app, ref refs/heads/release/2.1, ' +
      `sha ${'b'.repeat(40)}, workflow acme/app/.github/workflows/deploy.yml@refs/heads/release/2.1, environment ` +
      'production, actor octocat',
  });
});

test('a rule naming a claim the token lacks does not match', () => {
  const { actor: _actor, ...anonymous } = claims;
  expect(accessProblem('production', access([{ actor: '*' }]), anonymous, 'x')?.check).toBe('rule');
});

test("a full commit SHA must be the token's, unless matchCommit is off; other refs are not commits", () => {
  expect(accessProblem('production', access(), claims, 'b'.repeat(40))).toBeUndefined();
  expect(accessProblem('production', access(), claims, 'c'.repeat(40))).toMatchObject({
    check: 'commit',
    reason: expect.stringMatching(/^ref c{40} is a commit the CI run did not build \(its token is for b{40}\)/),
  });
  expect(accessProblem('production', access(undefined, false), claims, 'c'.repeat(40))).toBeUndefined();
  expect(accessProblem('production', access(), claims, 'cafe')).toBeUndefined();
  expect(accessProblem('production', undefined, claims, 'c'.repeat(64))?.check).toBe('commit');
});

test("GitLab's claims are named as GitHub's: project_path, user_login, a branch's full ref", () => {
  expect(
    claimsOf({
      iss: 'https://gitlab.com',
      sub: 'project_path:acme/app:ref_type:branch:ref:main',
      project_path: 'acme/app',
      ref: 'main',
      ref_type: 'branch',
      sha: 'd'.repeat(40),
      user_login: 'ana',
      pipeline_id: 77,
      ci_config_ref_uri: 'gitlab.com/acme/app//.gitlab-ci.yml@refs/heads/main',
    }),
  ).toEqual({
    issuer: 'https://gitlab.com',
    subject: 'project_path:acme/app:ref_type:branch:ref:main',
    actor: 'ana',
    repository: 'acme/app',
    ref: 'refs/heads/main',
    sha: 'd'.repeat(40),
    workflow: 'gitlab.com/acme/app//.gitlab-ci.yml@refs/heads/main',
    runId: '77',
  });
  expect(claimsOf({ iss: 'i', sub: 's', ref: 'v1', ref_type: 'tag' }).ref).toBe('refs/tags/v1');
});

test('who asked, as shown: verified with where from, marked unverified, or bare where nothing is verified', () => {
  expect(requesterWords('octocat', true, claims)).toBe('octocat (verified: acme/app@refs/heads/release/2.1)');
  expect(requesterWords('ana', false)).toBe('ana (unverified)');
  expect(requesterWords(undefined, false)).toBe('someone (unverified)');
  expect(requesterWords('ana', undefined)).toBe('ana');
  expect(requesterWords(undefined, undefined)).toBeUndefined();
});

describe('operator rules', () => {
  const operators: OperatorAccess = {
    identity: 'optional',
    allow: [
      { actions: ['cancel', 'approve'], repository: 'acme/app', actor: 'octo*' },
      { actions: ['freeze'], actor: 'ana' },
      { actor: 'root-*' },
    ],
  };

  const cases = [
    ['cancel', { claims }, true],
    ['approve', { claims }, true],
    ['forceRelease', { claims }, false],
    ['freeze', { claims }, false],
    ['freeze', { name: 'ana' }, true],
    ['cancel', { name: 'ana' }, false],
    // A name alone cannot match a rule that names a claim a token would carry (repository).
    ['cancel', { name: 'octocat' }, false],
    ['forceRelease', { name: 'root-ops' }, true],
    ['forceRelease', { claims: { ...claims, actor: 'root-bot' } }, true],
  ] as const;
  test.each(
    cases.map(([action, operator, allowed]) => {
      const who = 'claims' in operator ? `the token of ${operator.claims.actor}` : `${operator.name} by name`;
      return [action, who, allowed, operator] as const;
    }),
  )('%s by %s is allowed: %s', (action, _who, allowed, operator) => {
    expect(operatorProblem('production', operators, action, operator) === undefined).toBe(allowed);
  });

  test('a refusal names the action, who asked and the rules for that action', () => {
    expect(operatorProblem('production', operators, 'cancel', { name: 'mallory' })).toEqual({
      check: 'rule',
      reason:
        'no operator rule of production allows cancel by mallory (unverified): it needs ' +
        '{repository acme/app, actor octo*} or {actor root-*}',
    });
    expect(operatorProblem('production', { identity: 'required', allow: [] }, 'cancel', { claims })?.reason).toMatch(
      /allows cancel by the token has .*actor octocat: no rule allows it$/,
    );
  });
});

describe('fuzzed rules and claims', () => {
  const text = fc.string({ minLength: 1, maxLength: 40 });
  /** A pattern that is its own text: no glob character in it. */
  const literal = text.filter((value) => !/[*?[\]{}()!+@\\|,]/.test(value));
  const pattern = fc.oneof(text, literal, fc.constantFrom('**', '*', 'refs/heads/*', '[a-', '{a,b', '!(x)'));
  const someClaims = fc.record({
    issuer: text,
    subject: text,
    actor: fc.option(text, { nil: undefined }),
    repository: fc.option(text, { nil: undefined }),
    ref: fc.option(text, { nil: undefined }),
  });
  const rule = fc.record({ repository: pattern, ref: pattern, actor: pattern, issuer: pattern }, { requiredKeys: [] });

  test('any rules and claims: an answer, never a throw; a refusal names the environment and the rule check', () => {
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 4 }), someClaims, (allow, seen) => {
        const answer = accessProblem('production', access(allow), seen as VerifiedClaims, undefined);
        if (answer !== undefined) {
          expect(answer.check).toBe('rule');
          expect(answer.reason).toContain('no access rule of production allows this token');
        }
      }),
    );
  });

  test('a literal repository rule refuses every other repository', () => {
    fc.assert(
      fc.property(literal, someClaims, (repository, seen) => {
        fc.pre(seen.repository !== repository);
        expect(accessProblem('production', access([{ repository }]), seen as VerifiedClaims, undefined)?.check).toBe(
          'rule',
        );
      }),
    );
  });

  test('a name alone never matches a rule that names any claim besides actor', () => {
    fc.assert(
      fc.property(text, rule, (name, fuzzed) => {
        fc.pre(fuzzed.repository !== undefined || fuzzed.ref !== undefined || fuzzed.issuer !== undefined);
        const operators: OperatorAccess = { identity: 'optional', allow: [{ ...fuzzed, actor: '**' }] };
        expect(operatorProblem('production', operators, 'cancel', { name })?.check).toBe('rule');
      }),
    );
  });
});
