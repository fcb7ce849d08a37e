// A deployment as every side sees it: what CI asks for, the state the workflow keeps, the result it ends with.
import type { Closure, FreezeOverride } from './calendar';
import type { ApprovalState, PromotionEvidence, RollbackOf } from './governance';
import type { VerifiedClaims } from './identity';
import type { StackProgress } from './stack';
import type { EnvironmentSettings } from './settings';

export type Priority = 'normal' | 'high';

export const DEPLOYMENT_STATUSES = [
  'pending',
  'queued',
  'deploying',
  'succeeded',
  'failed',
  'cancelled',
  'superseded',
  'revoked',
  'timed-out',
  'refused',
  'rejected',
] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

export const FINAL_STATUSES: readonly DeploymentStatus[] = [
  'succeeded',
  'failed',
  'cancelled',
  'superseded',
  'revoked',
  'timed-out',
  'refused',
  'rejected',
];

export interface DeploymentInput {
  environment: string;
  correlationId: string;
  /** Overrides the environment's configured stack. */
  stackName?: string;
  ref?: string;
  /** When the commit being deployed was made (ISO 8601), for lead time (deployctl stats). */
  commitTime?: string;
  priority: Priority;
  /** Overrides the environment's lock wait timeout. */
  waitTimeoutMs?: number;
  /** Link to the CI run that asked for this deployment. */
  ciRunUrl?: string;
  /** cdk environments: the cloud assembly CI synthesized (a directory the worker reads, or an S3 prefix). */
  assembly?: string;
  /** Requested by `deployctl run`: the runner that asked runs the deploy step itself once the turn is granted. */
  runner?: boolean;
  /**
   * Who asked, as the caller says: the CI actor, or the local user of deployctl. A verified ID token's actor replaces
   * it (the RequestedBy search attribute has the one that stands).
   */
  requestedBy?: string;
  /**
   * The CI's signed ID token (docs/trust.md): the worker verifies it, applies the environment's access rules to its
   * claims, and spends it, so that no other request can use it.
   */
  idToken?: string;
  /**
   * Nobody waits for it (deployctl deploy --detach): it stays queued while its environment is closed, and its wait
   * timeout counts from the opening. An attached request that would time out before the opening is refused at once.
   */
  detached?: boolean;
  /** Deploy through a closed environment, where its config allows it (deployctl deploy --override-freeze). */
  overrideFreeze?: { reason: string };
  /** Join the queue at this time, not before (deployctl deploy --at; epoch milliseconds). */
  notBefore?: number;
  /** Repeats a deployment that succeeded here (deployctl rollback): exempt from promotion, high priority. */
  rollback?: RollbackOf;
  /**
   * The GitHub repository that asks (owner/name) and the commit its CI run built: the worker shows the deployment
   * there as a GitHub deployment (docs/github.md), at `ref` or else at this commit.
   */
  github?: { repository: string; sha?: string };
}

/** A runner-side deploy step as the deployment sees it: who runs it, when it was last heard from, how it ended. */
export interface RunnerStep {
  /** When the step began waiting for its runner (epoch milliseconds, workflow time; so are the others). */
  startedAt: number;
  /** The runner that claimed the step: only its heartbeats and its exit count. */
  runnerId?: string;
  claimedAt?: number;
  /** The claim, then each heartbeat (the step's start until a runner claims it). */
  lastHeartbeatAt: number;
  /** Set when the deployment was cancelled or revoked: the runner stops its command and reports. */
  stopRequested?: boolean;
  exit?: RunnerExit;
}

/** How the command on the runner ended. */
export interface RunnerExit {
  exitCode: number | null;
  signal: string | null;
  /** The last line it printed, for the failure message. */
  lastOutput?: string;
}

export interface DeploymentState {
  workflowId: string;
  environment: string;
  correlationId: string;
  stackName?: string;
  ref?: string;
  priority: Priority;
  status: DeploymentStatus;
  /** Epoch milliseconds (workflow time). */
  requestedAt: number;
  queuedAt?: number;
  startedAt?: number;
  finishedAt?: number;
  leaseId?: string;
  error?: string;
  /** A failed deployment's failure type (contract/failure-types.ts), when its failure has one. */
  errorType?: string;
  /** Why it was cancelled, revoked or superseded. */
  reason?: string;
  /** Who cancelled or force-released it, when they said (deployctl's --by). */
  stoppedBy?: string;
  requestedBy?: string;
  /** Who asked, verified: the claims of the request's ID token. */
  identity?: VerifiedClaims;
  /** The worker verifies identities, and this request carried no ID token: requestedBy is only what it said. */
  unverified?: true;
  settings?: EnvironmentSettings;
  ciRunUrl?: string;
  /** The stack as watched during this deployment (environments with a cloudformation block). */
  stack?: StackProgress;
  assembly?: string;
  /** The change set a cdk deployment prepared (named after the correlation ID). */
  changeSet?: string;
  /** Succeeded without changing anything: the stack already matched. */
  noChanges?: boolean;
  /** The stack's outputs after a successful deployment. */
  outputs?: Record<string, string>;
  /** Notifications that could not be delivered (Slack down, rate limited, misconfigured). */
  notificationsFailed: number;
  /** The deploy step ran to its end (it may have done so just as the deployment was revoked or cancelled). */
  stepCompleted?: boolean;
  /** Runner-side deploys: the step on the runner. */
  runner?: RunnerStep;
  /** Why its environment was closed when it asked, and until when (it waits, or was refused). */
  closure?: Closure;
  /** It deployed through a closed environment: who and why. */
  freezeOverride?: FreezeOverride;
  /** When it joins the queue (deployctl deploy --at). */
  scheduledFor?: number;
  /** The environment was closed (a freeze had begun) when it gave the turn back. */
  finishedInFreeze?: Closure;
  /** Promotion: it may not take its turn before its soak upstream ends. */
  soakUntil?: number;
  /** Promotion: the upstream deployments its ref succeeded in, checked when its turn came. */
  promotedFrom?: PromotionEvidence[];
  /** Environments with approvals: who approved, and how many are still needed. */
  approval?: ApprovalState;
  /** It repeats an earlier deployment (deployctl rollback). */
  rollback?: RollbackOf;
  /** Environments with a bake: the alarms that held it back before its deploy step, while they fire. */
  heldByAlarm?: FiringAlarm;
  /** Environments with a bake: its bake after the deploy step, and how it ended. */
  bake?: BakeState;
}

/** A CloudWatch alarm in ALARM: its name and CloudWatch's reason. */
export interface FiringAlarm {
  name: string;
  reason: string;
}

export interface BakeState {
  /** When it began and when it ends, clean (epoch milliseconds, workflow time). */
  startedAt: number;
  until: number;
  /** It ended clean at `until`. */
  passed?: true;
  /** The alarm that ended it. */
  alarm?: FiringAlarm;
  /** onAlarm rollback: the rollback it queued, and the deployment that one repeats. */
  rollback?: { queued: string; to: string };
}

export interface DeploymentResult {
  correlationId: string;
  workflowId: string;
  environment: string;
  stackName: string | null;
  status: DeploymentStatus;
  queuedMs: number | null;
  durationMs: number | null;
  error: string | null;
  /** Failed deployments: what kind of failure (contract/failure-types.ts), when known. */
  errorType?: string;
  /** Present (true) when a deployment succeeded without changing the stack. */
  noChanges?: boolean;
  /** The stack's outputs after a successful deployment, when it has any. */
  outputs?: Record<string, string>;
  /** Revoked deployments: whether the deploy step had run to its end before it could be stopped. */
  stepCompleted?: boolean;
  /** Who asked for it (the CI actor or local user), when known. */
  requestedBy?: string;
  /** Whether requestedBy was verified (an ID token); absent where the worker verifies no identity. */
  verified?: boolean;
  /** The verified claims behind requestedBy. */
  identity?: VerifiedClaims;
  /** Cancelled, revoked or rejected deployments: who did it, when they said. */
  stoppedBy?: string;
  /** Promotion: the upstream deployments its ref succeeded in. */
  promotedFrom?: PromotionEvidence[];
  /** Who approved it (environments with approvals). */
  approvedBy?: string[];
  /** It repeated an earlier deployment: that one's correlation ID. */
  rollbackOf?: string;
}

/**
 * The memo a deployment workflow carries, read by `deployctl history` from visibility alone: what deployctl knew
 * when it asked (set at the start), and the result once it has ended.
 */
export interface DeploymentMemo {
  ref?: string;
  /** When the commit being deployed was made (set at the start, from the request). */
  commitTime?: string;
  requestedBy?: string;
  ciRunUrl?: string;
  /** It deployed through a closed environment: who and why. */
  freezeOverride?: FreezeOverride;
  /** The recorded inputs a rollback repeats: the stack and the assembly it deployed (set at the start). */
  stackName?: string;
  assembly?: string;
  /** It repeats an earlier deployment (deployctl rollback). */
  rollback?: RollbackOf;
  result?: DeploymentResult;
}

/** One deployment as `deployctl history` lists it (its --json prints an array of them). */
export interface HistoryEntry {
  correlationId: string;
  workflowId: string;
  /** The deployment's status; `terminated` (or Temporal's close status) for a workflow ended from outside. */
  status: string;
  /** How Temporal closed the workflow (COMPLETED, FAILED, CANCELLED, ...), or RUNNING. */
  workflowStatus: string;
  ref: string | null;
  requestedAt: string;
  /** When the workflow closed (ISO 8601); null while it is open. */
  endedAt: string | null;
  /** When its commit was made, where the request said (ISO 8601). */
  commitTime: string | null;
  queuedMs: number | null;
  durationMs: number | null;
  requestedBy: string | null;
  /** Whether requestedBy was verified (an ID token); null where the worker verifies no identity, or not yet known. */
  verified: boolean | null;
  ciRunUrl: string | null;
  error: string | null;
  errorType: string | null;
  stoppedBy: string | null;
  /** It deployed through a closed environment: who and why. */
  freezeOverride: FreezeOverride | null;
  /** Promotion: the upstream deployments its ref succeeded in. */
  promotedFrom: PromotionEvidence[] | null;
  approvedBy: string[] | null;
  /** It repeated an earlier deployment: that one's correlation ID. */
  rollbackOf: string | null;
}
