// The config of verified requests: the ID token issuers the worker trusts (top level) and who may deploy to each
// environment (its access block). docs/trust.md explains the model.
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '../domain/durations';
import { quoted } from '../contract/names';
import { present } from '../domain/present';
import { OPERATOR_ACTIONS } from '../contract/identity';

const about = (description: string) => ({ description });

/** The longest token lifetime accepted: a spent token is remembered (by the namespace) for at least a day. */
export const MAX_TOKEN_LIFETIME_MS = 12 * 3_600_000;

/** A duration within bounds, as milliseconds; `range` says the bounds in the message. */
function durationWithin(minMs: number, maxMs: number, range: string, examples: string[]) {
  return z
    .string()
    .transform((text, ctx) => {
      const value = parseDuration(text);
      if (value === undefined || value < minMs || value > maxMs) {
        ctx.addIssue({ code: 'custom', message: `${quoted(text)} is not a duration ${range}` });
        return z.NEVER;
      }
      return value;
    })
    .meta({ pattern: DURATION_PATTERN.source, examples });
}

const lifetime = durationWithin(0, MAX_TOKEN_LIFETIME_MS, 'of at most 12h: use a number and a unit, e.g. 10m, 1h', [
  '10m',
  '1h',
]);

const issuer = z
  .strictObject({
    issuer: z
      .url({ protocol: /^https?$/ })
      .meta(about("The token's iss claim: https://token.actions.githubusercontent.com, https://gitlab.com, ...")),
    audience: z
      .string()
      .min(1)
      .default('deployment-coordinator')
      .meta(about('The aud claim tokens must carry (what CI asks for: deployctl --audience).')),
    jwksUri: z
      .url({ protocol: /^https?$/ })
      .optional()
      .meta(about("Where the issuer's signing keys are (default: its OpenID discovery document's jwks_uri).")),
    jwksFile: z
      .string()
      .min(1)
      .optional()
      .meta(about('A JWKS file instead, for a worker that cannot reach the issuer (rotate it with the keys).')),
    maxLifetime: lifetime
      .prefault('1h')
      .meta(about('Tokens valid for longer than this (exp - iat) are refused: a short life bounds their replay.')),
  })
  .refine((entry) => entry.jwksUri === undefined || entry.jwksFile === undefined, {
    message: 'give jwksUri or jwksFile, not both',
    path: ['jwksFile'],
  });

/** The top-level `identity` block. */
export const identitySchema = z
  .strictObject({
    issuers: z
      .array(issuer)
      .min(1, 'list at least one issuer')
      .refine((list) => new Set(list.map((entry) => entry.issuer)).size === list.length, 'an issuer is listed twice')
      .meta(about('The CI systems whose ID tokens the worker verifies (GitHub.com, GitHub Enterprise, GitLab).')),
  })
  .meta(about('Verified requests: the worker checks the CI ID token each request carries (docs/trust.md).'));

const pattern = z
  .string()
  .min(1, 'must not be empty')
  .max(300)
  .meta(about('A glob: * within a path segment, ** across them (refs/heads/release/*).'));

const rule = z
  .strictObject({
    issuer: pattern.optional(),
    repository: pattern.optional().meta(about('owner/name (GitHub repository, GitLab project_path).')),
    ref: pattern.optional().meta(about('The ref the CI run built: refs/heads/main, refs/tags/v*.')),
    environment: pattern.optional().meta(about("The CI job's own environment claim (GitHub environments).")),
    workflow: pattern.optional().meta(about('The CI workflow (GitHub workflow_ref, GitLab ci_config_ref_uri).')),
    actor: pattern.optional().meta(about('The person or bot behind the run.')),
  })
  .refine((entry) => Object.keys(entry).length > 0, 'a rule names at least one claim')
  .meta(about('Claims a token must match, every one given (glob patterns).'));

const operatorRule = z
  .strictObject({
    ...rule.shape,
    actions: z
      .array(z.enum(OPERATOR_ACTIONS))
      .min(1)
      .optional()
      .meta(
        about(
          'What the rule allows: cancel, forceRelease, freeze (and unfreeze), approve (and reject); all if left out.',
        ),
      ),
  })
  .refine((entry) => Object.keys(entry).some((key) => key !== 'actions'), 'a rule names at least one claim')
  .meta(
    about('Claims an operator must match, every one given (glob patterns); an unverified operator has only actor.'),
  );

const operators = z
  .strictObject({
    identity: z
      .enum(['required', 'optional'])
      .default('required')
      .meta(
        about(
          'required: an operator shows a verified ID token. optional: a name alone (--by, the CI actor or the local ' +
            'user) may match a rule that names only actor.',
        ),
      ),
    allow: z.array(operatorRule).min(1, 'list at least one rule').meta(about('Operators must match one of these.')),
  })
  .meta(
    about(
      'Who may cancel, force-release, freeze and approve here; left out: anyone, by the name they give (docs/trust.md).',
    ),
  );

/** An environment's `access` block. */
export const accessSchema = z
  .strictObject({
    identity: z
      .enum(['required', 'optional'])
      .default('optional')
      .meta(
        about(
          'required: a request without a verified ID token is refused (exit 77). optional: it deploys, shown as ' +
            'unverified. A token that fails a check is refused either way.',
        ),
      ),
    allow: z
      .array(rule)
      .min(1, 'list at least one rule, or leave allow out (any verified token)')
      .optional()
      .meta(about('Verified requests must match one of these rules; left out: any token from a configured issuer.')),
    matchCommit: z
      .boolean()
      .default(true)
      .meta(about("A ref that is a full commit SHA must be the token's sha claim (a job deploys what it built).")),
    operators: operators.optional(),
  })
  .meta(about('Who may deploy here: verified CI identity and the claims it must have (docs/trust.md).'));

/** An ID token issuer as the worker uses it. */
export interface TrustedIssuer {
  issuer: string;
  audience: string;
  jwksUri?: string;
  jwksFile?: string;
  maxLifetimeMs: number;
}

/** The issuers, as parsed. */
export function trustedIssuers(identity: z.infer<typeof identitySchema>): TrustedIssuer[] {
  return identity.issuers.map((entry) => ({
    issuer: entry.issuer,
    audience: entry.audience,
    ...present({ jwksUri: entry.jwksUri, jwksFile: entry.jwksFile }),
    maxLifetimeMs: entry.maxLifetime,
  }));
}

const sessionDuration = durationWithin(15 * 60_000, 12 * 3_600_000, 'from 15m to 12h (what STS allows)', ['1h']);

/** An environment's `aws` block. */
export const awsRoleSchema = z
  .strictObject({
    roleArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
        'must be an IAM role ARN, e.g. arn:aws:iam::123456789012:role/deploy-staging',
      )
      .meta(about('The role the worker assumes for every deploy step of this environment.')),
    externalId: z
      .string()
      .regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be 2 to 1224 letters, digits or +=,.@:/-')
      .optional()
      .meta(about("The role trust policy's sts:ExternalId, when it asks for one.")),
    region: z.string().min(1).optional().meta(about("The deploy step's AWS_REGION (default: the worker's).")),
    sessionDuration: sessionDuration
      .prefault('1h')
      .meta(about('How long each set of role credentials lasts; the step gets fresh ones before they expire.')),
  })
  .meta(
    about(
      "Deploy steps of this environment get this role's short-lived credentials, never the worker's own; the session " +
        'is named after the correlation ID and carries the requester as its source identity (docs/trust.md).',
    ),
  );

/** An environment's AWS role, as the worker assumes it. */
export interface AwsRole {
  roleArn: string;
  externalId?: string;
  region?: string;
  sessionDurationMs: number;
}
