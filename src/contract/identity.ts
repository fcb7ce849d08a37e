// Who asks for a deployment, as the worker established it from the CI's signed ID token (docs/trust.md).
import type { EnvironmentSettings } from './settings';

/** The claims of a verified ID token the coordinator uses, named alike for GitHub, GitLab and other issuers. */
export interface VerifiedClaims {
  issuer: string;
  /** The token's subject (GitHub: repo:acme/app:ref:refs/heads/main). */
  subject: string;
  /** The person or bot behind the CI run (GitHub actor, GitLab user_login). */
  actor?: string;
  /** owner/name (GitHub repository, GitLab project_path). */
  repository?: string;
  /** The full ref the run built: refs/heads/main, refs/tags/v1.2. */
  ref?: string;
  /** The commit the run built. */
  sha?: string;
  /** The CI workflow (GitHub workflow_ref, GitLab ci_config_ref_uri). */
  workflow?: string;
  /** The CI system's deployment environment of the job, when it names one. */
  environment?: string;
  /** The CI run (GitHub run_id, GitLab pipeline_id). */
  runId?: string;
}

/**
 * Who asked. Verified: the worker checked the ID token the request carried, and `name` comes from its claims.
 * Unverified: no token came, and `name` is what the caller said; shown marked as such wherever it is shown.
 */
export type Requester = { verified: true; name: string; claims: VerifiedClaims } | { verified: false; name?: string };

/** The check an ID token or an access rule failed: named in the refusal, the log and the metric's label. */
export const ACCESS_CHECKS = [
  'missing',
  'format',
  'issuer',
  'signature',
  'algorithm',
  'audience',
  'expiry',
  'lifetime',
  'replay',
  'rule',
  'commit',
] as const;
export type AccessCheck = (typeof ACCESS_CHECKS)[number];

/** The worker's answer to a request's identity: who asked, or why it may not. */
export type AccessVerdict =
  /** `requester` is absent where the worker trusts no issuer: nothing is verified, nothing marked. */
  | { admitted: true; requester?: Requester }
  | { admitted: false; check: AccessCheck; reason: string; claims?: VerifiedClaims };

/** What a deployment learns first from its worker: its environment's settings, and who asks. */
export interface ResolvedRequest {
  settings: EnvironmentSettings;
  access: AccessVerdict;
}

/** An access rule: glob patterns (* within a path segment, ** across them) that a token's claims must all match. */
export interface AccessRule {
  issuer?: string;
  repository?: string;
  ref?: string;
  environment?: string;
  workflow?: string;
  actor?: string;
}

/** What an operator does to an environment or its deployments (deployctl cancel, force-release, freeze, approve). */
export const OPERATOR_ACTIONS = ['cancel', 'forceRelease', 'freeze', 'approve'] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

/** An operator rule: the actions it allows (all when absent), to whoever matches its claims. */
export interface OperatorRule extends AccessRule {
  actions?: OperatorAction[];
}

/** Who may act on an environment (its access block's operators), as the worker checks them. */
export interface OperatorAccess {
  /** required: an operator shows a verified ID token; optional: a name alone may match rules' actor patterns. */
  identity: 'required' | 'optional';
  allow: OperatorRule[];
}

/** An environment's access settings (its config's access block), as the worker checks them. */
export interface EnvironmentAccess {
  identity: 'required' | 'optional';
  /** Verified requests must match one of these; absent: any token from a trusted issuer. */
  allow?: AccessRule[];
  /** A ref that is a full commit SHA must be the token's sha claim. */
  matchCommit: boolean;
  /** Who may cancel, force-release, freeze and approve here; absent: anyone, as they say who they are. */
  operators?: OperatorAccess;
}

/** An operator's message as the worker authorizes it. */
export interface OperatorRequest {
  environment: string;
  action: OperatorAction;
  /** What the message acts through, which spends its token: the deployment, lock or freeze workflow and update. */
  actingFor: string;
  /** The ID token the operator showed, if any. */
  idToken?: string;
  /** Who the operator says it is (--by, the CI actor or the local user). */
  claimedBy?: string;
}

/**
 * Who a deploy step acts for. Where its environment has an AWS role, the worker's role session is named after the
 * correlation ID, carries the requester as its source identity and the rest as session tags (CloudTrail shows them).
 */
export interface DeploySession {
  environment: string;
  correlationId: string;
  /** The verified actor, or the name the caller gave. */
  requester?: string;
  verified: boolean;
  repository?: string;
  /** The ref the verified CI run built, else the ref asked for. */
  ref?: string;
}
