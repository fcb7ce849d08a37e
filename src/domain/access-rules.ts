// An environment's access rules, decided on verified claims: which rule allows a request, and whether the commit it
// asks for is the one its CI run built. Pure; the worker's admission (activities/admission.ts) asks it.
import picomatch from 'picomatch';
import type {
  AccessCheck,
  AccessRule,
  EnvironmentAccess,
  OperatorAccess,
  OperatorAction,
  VerifiedClaims,
} from '../contract/identity';
import { claimsWords } from './id-token-claims';

/** A full commit SHA (SHA-1 or SHA-256), which a ref given as one must match. */
const COMMIT_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

const RULE_CLAIMS = ['issuer', 'repository', 'ref', 'environment', 'workflow', 'actor'] as const;

function ruleMatches(rule: AccessRule, claims: VerifiedClaims): boolean {
  return RULE_CLAIMS.every((name) => {
    const pattern = rule[name];
    if (pattern === undefined) return true;
    const value = claims[name];
    return value !== undefined && picomatch.isMatch(value, pattern, { dot: true });
  });
}

function ruleWords(rule: AccessRule): string {
  return RULE_CLAIMS.filter((name) => rule[name] !== undefined)
    .map((name) => `${name} ${rule[name]}`)
    .join(', ');
}

/**
 * Why the environment's rules refuse a request with these verified claims for `ref`, or undefined when they allow
 * it. The reason names the rules that did not match and the claims seen.
 */
export function accessProblem(
  environment: string,
  access: EnvironmentAccess | undefined,
  claims: VerifiedClaims,
  ref: string | undefined,
): { check: AccessCheck; reason: string } | undefined {
  const rules = access?.allow;
  if (rules !== undefined && !rules.some((rule) => ruleMatches(rule, claims))) {
    const tried = rules.map((rule) => `{${ruleWords(rule)}}`).join(' or ');
    return {
      check: 'rule',
      reason: `no access rule of ${environment} allows this token: it needs ${tried}; the token has ${claimsWords(claims)}`,
    };
  }
  if ((access?.matchCommit ?? true) && ref !== undefined && COMMIT_SHA.test(ref) && ref !== claims.sha) {
    return {
      check: 'commit',
      reason:
        `ref ${ref} is a commit the CI run did not build (its token is for ${claims.sha ?? 'no commit'}): ` +
        'a job deploys the commit it built',
    };
  }
  return undefined;
}

/**
 * Why an environment's operator rules refuse `action` by this operator, or undefined when they allow it. A verified
 * operator is matched on its token's claims; an unverified one (where the rules allow it) on its name alone, as the
 * actor claim, so only rules that name nothing but the actor can match it.
 */
export function operatorProblem(
  environment: string,
  operators: OperatorAccess,
  action: OperatorAction,
  operator: { claims: VerifiedClaims } | { name: string },
): { check: AccessCheck; reason: string } | undefined {
  const rules = operators.allow.filter((rule) => rule.actions === undefined || rule.actions.includes(action));
  const allowed =
    'claims' in operator
      ? rules.some((rule) => ruleMatches(rule, operator.claims))
      : rules.some(
          (rule) =>
            RULE_CLAIMS.every((name) => name === 'actor' || rule[name] === undefined) &&
            rule.actor !== undefined &&
            picomatch.isMatch(operator.name, rule.actor, { dot: true }),
        );
  if (allowed) return undefined;
  const seen = 'claims' in operator ? `the token has ${claimsWords(operator.claims)}` : `${operator.name} (unverified)`;
  const tried =
    rules.length === 0 ? 'no rule allows it' : `it needs ${rules.map((r) => `{${ruleWords(r)}}`).join(' or ')}`;
  return { check: 'rule', reason: `no operator rule of ${environment} allows ${action} by ${seen}: ${tried}` };
}
