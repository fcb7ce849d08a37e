// Pure validation of the names that reach workflow IDs and CloudFormation.
// Workflow code imports this too, so it must stay free of I/O.

export const ENVIRONMENT_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const STACK_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
export const CORRELATION_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

const RULES = {
  environment: {
    pattern: ENVIRONMENT_NAME_PATTERN,
    rule: 'lowercase letters, digits and "-", starting with a letter or digit, at most 63 characters',
  },
  stack: {
    pattern: STACK_NAME_PATTERN,
    rule: 'letters, digits and "-", starting with a letter, at most 128 characters (CloudFormation stack names)',
  },
  'correlation ID': { pattern: CORRELATION_ID_PATTERN, rule: 'letters, digits, ".", "_" and "-", 1 to 128 characters' },
  // The commit, branch or tag being deployed. It reaches the deploy step's environment (DEPLOY_REF), logs and Slack:
  // nothing that could break a line, hide text (bidi and zero-width controls) or grow without bound.
  ref: {
    pattern: /^[^\s\p{Cc}\p{Cf}]{1,255}$/u,
    rule: 'a commit, branch or tag: 1 to 255 characters, no spaces, control or invisible formatting characters',
  },
  'GitHub repository': {
    pattern: /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/,
    rule: 'owner/name, as GitHub spells a repository',
  },
  // Who asked for, cancelled or force-released a deployment: a CI actor, a user name, an e-mail address.
  actor: { pattern: /^(?=.*\S)[^\p{Cc}]{1,100}$/u, rule: '1 to 100 characters, not all blank, no control characters' },
} as const;

export type NameKind = keyof typeof RULES;

/**
 * A value as a message quotes it: JSON (control characters escaped), with invisible formatting characters (bidi
 * overrides, zero-width marks) escaped too, so that a refusal never hides or reorders what it shows.
 */
export function quoted(value: string): string {
  return JSON.stringify(value).replace(/\p{Cf}/gu, (character) =>
    Array.from(
      { length: character.length },
      (_, i) => `\\u${character.charCodeAt(i).toString(16).padStart(4, '0')}`,
    ).join(''),
  );
}

/** Returns why `value` is not a valid name of this kind, or undefined when it is. */
export function nameProblem(kind: NameKind, value: string): string | undefined {
  const { pattern, rule } = RULES[kind];
  if (pattern.test(value)) return undefined;
  return `invalid ${kind} ${quoted(value)}: use ${rule}`;
}

export function deploymentWorkflowId(environment: string, correlationId: string): string {
  return `deploy/${environment}/${correlationId}`;
}

export function lockWorkflowId(environment: string): string {
  return `env-lock/${environment}`;
}

/** The environment (and correlation ID) a deployment's or a lock's workflow ID names; {} for any other. */
export function namedByWorkflowId(workflowId: string): { environment?: string; correlationId?: string } {
  const [kind, environment, ...rest] = workflowId.split('/');
  if (kind === 'deploy' && environment && rest.length > 0) return { environment, correlationId: rest.join('/') };
  if (kind === 'env-lock' && environment && rest.length === 0) return { environment };
  return {};
}
