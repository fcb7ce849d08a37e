// The claims of a verified ID token, named alike whichever CI issued it: GitHub Actions, GitLab CI, or another issuer
// whose tokens carry the same names as one of them.
import type { VerifiedClaims } from '../contract/identity';
import { present } from './present';

type Payload = Record<string, unknown>;

const text = (payload: Payload, name: string): string | undefined => {
  const value = payload[name];
  if (typeof value === 'string' && value !== '') return value;
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
};

/** GitLab names a branch or tag alone, with ref_type; the rules match full refs, as GitHub sends them. */
function fullRef(payload: Payload): string | undefined {
  const ref = text(payload, 'ref');
  if (ref === undefined || ref.startsWith('refs/')) return ref;
  const type = text(payload, 'ref_type');
  if (type === 'branch') return `refs/heads/${ref}`;
  if (type === 'tag') return `refs/tags/${ref}`;
  return ref;
}

/** The claims the coordinator uses, from a verified token's payload (its iss and sub are checked to be there). */
export function claimsOf(payload: Payload): VerifiedClaims {
  return {
    issuer: text(payload, 'iss') ?? '',
    subject: text(payload, 'sub') ?? '',
    ...present({
      actor: text(payload, 'actor') ?? text(payload, 'user_login'),
      repository: text(payload, 'repository') ?? text(payload, 'project_path'),
      ref: fullRef(payload),
      sha: text(payload, 'sha'),
      workflow: text(payload, 'workflow_ref') ?? text(payload, 'ci_config_ref_uri') ?? text(payload, 'workflow'),
      environment: text(payload, 'environment'),
      runId: text(payload, 'run_id') ?? text(payload, 'pipeline_id'),
    }),
  };
}

/** The claims in words, for refusals and logs (never the token): "actor ana, repository acme/app, ref ...". */
export function claimsWords(claims: VerifiedClaims): string {
  const shown: Array<[string, string | undefined]> = [
    ['issuer', claims.issuer],
    ['repository', claims.repository],
    ['ref', claims.ref],
    ['sha', claims.sha],
    ['workflow', claims.workflow],
    ['environment', claims.environment],
    ['actor', claims.actor],
  ];
  return shown
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
}

/** The name a verified request is recorded under: the actor, else the token's subject. */
export function verifiedName(claims: VerifiedClaims): string {
  return claims.actor ?? claims.subject;
}

/**
 * Who asked, as every surface shows it: `octocat (verified: acme/app@refs/heads/main)`, `ana (unverified)`, or the
 * bare name where the worker verifies no identity.
 */
export function requesterWords(
  name: string | undefined,
  verified: boolean | undefined,
  claims?: Pick<VerifiedClaims, 'repository' | 'ref'>,
): string | undefined {
  if (verified === false) return `${name ?? 'someone'} (unverified)`;
  if (name === undefined) return undefined;
  if (verified !== true) return name;
  const where = claims?.repository === undefined ? '' : `: ${claims.repository}${claims.ref ? `@${claims.ref}` : ''}`;
  return `${name} (verified${where})`;
}

/** Whether a deployment's requester was verified; undefined where the worker verifies no identity. */
export function verifiedOf(state: { identity?: VerifiedClaims; unverified?: true }): boolean | undefined {
  if (state.identity) return true;
  return state.unverified ? false : undefined;
}
