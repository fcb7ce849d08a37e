// The messages between deployments, their environment's lock, operators and deployctl: signal and query names are
// part of every recorded history, so they never change.
import type { QueryDefinition, SignalDefinition, UpdateDefinition } from '@temporalio/common';
import type { Closure, EnvironmentCalendar } from './calendar';
import type { DeploymentState, RunnerExit } from './deployment';
import type { ApprovalState } from './governance';
import type { QueueView, TurnRequest } from './queue';

// What @temporalio/workflow's defineSignal and defineQuery return, built here so that deployctl, which shares these
// definitions, does not load the workflow library (a tenth of its start-up). The definitions are plain data.
const defineSignal = <Args extends unknown[]>(name: string) => ({ type: 'signal', name }) as SignalDefinition<Args>;
const defineQuery = <Ret, Args extends unknown[] = []>(name: string) =>
  ({ type: 'query', name }) as QueryDefinition<Ret, Args>;
const defineUpdate = <Ret, Args extends unknown[]>(name: string) =>
  ({ type: 'update', name }) as UpdateDefinition<Ret, Args>;

// deployment → lock
export const requestTurnSignal = defineSignal<[TurnRequest]>('request');
/** How the lock took a release: `revokedReason` when it had revoked the lease first (the two crossed). */
export interface ReleaseAnswer {
  revokedReason?: string;
  revokedBy?: string;
  /** The environment was closed when the turn was given back: the deployment finished inside a freeze. */
  closure?: Closure;
}
/**
 * What giving the turn back from a local activity came to: the lock's answer; or no lock to give the turn back to; or
 * the release sent but its answer not had in time (a lock whose worker is gone).
 */
export type ReleaseOutcome = ({ lock: 'answered' } & ReleaseAnswer) | { lock: 'closed' } | { lock: 'unanswered' };
/** The lease given back, and how long it held the turn. */
export interface TurnRelease {
  leaseId: string;
  durationMs: number;
}
/**
 * The release, answered with how the lock took it in the workflow task that takes it (since 1.9). A lock whose worker
 * does not know it yet, or a server without updates, takes releaseTurnSignal and answers by releaseAnswerQuery.
 */
export const releaseTurnUpdate = defineUpdate<ReleaseAnswer | null, [TurnRelease]>('releaseTurn');
/** The release as a signal: durable once sent, whenever the lock next runs. */
export const releaseTurnSignal = defineSignal<[TurnRelease]>('release');
export const withdrawSignal = defineSignal<[{ workflowId: string }]>('withdraw');
/** A waiting deployment's approvals changed: when each of them expires. */
export const approvalSignal = defineSignal<[{ workflowId: string; runId: string; expiresAt: number[] }]>('approval');
// operator → lock
/** `by`: who force-released (deployctl's --by), recorded in the lock's and the holder's history and its outcome. */
export const forceReleaseSignal = defineSignal<[{ reason: string; by?: string }]>('forceRelease');
/** deployctl force-release → lock: as the signal, answered once the worker has checked the operator rules. */
export const forceReleaseUpdate = defineUpdate<void, [OperatorMessage]>('forceReleaseTurn');
/**
 * A freeze by hand (deployctl freeze), or its lifting (`lift`), with who and why; it carries the environment's windows
 * and notice route as the worker's config has them, so that a lock that has had no request yet knows them.
 */
export const freezeSignal = defineSignal<
  [
    {
      reason: string;
      by?: string;
      until?: number;
      lift?: boolean;
      calendar?: EnvironmentCalendar;
    },
  ]
>('freeze');
// lock → deployment
/** Each carries the run it is for (`runId`): a signal for an earlier run, reapplied to a reset run, is ignored. */
export const grantedSignal = defineSignal<[{ leaseId: string; runId: string }]>('granted');
export const revokedSignal = defineSignal<[{ leaseId: string; reason: string; by?: string; runId: string }]>('revoked');
export const supersededSignal = defineSignal<[{ byWorkflowId: string; runId: string }]>('superseded');
/** The environment is closed when the request would join the queue, and opens at `closure.opensAt` (if ever). */
export const closedSignal = defineSignal<[{ runId: string; closure: Closure }]>('closed');
// operator → deployment (the Web UI's cancel works too; this one carries a reason, and since 1.4.1 is decided by the
// operator rules as the update is)
export const cancelDeploymentSignal = defineSignal<[OperatorMessage]>('cancel');
/** What an operator sends: who it says it is, and the ID token that proves it, where it has one. */
export interface OperatorMessage {
  reason: string;
  by?: string;
  idToken?: string;
}
/**
 * deployctl cancel → deployment: answered once the worker has checked the environment's operator rules; refused
 * (AccessDenied) it changes nothing.
 */
export const cancelDeploymentUpdate = defineUpdate<void, [OperatorMessage]>('cancelDeployment');
/** deployctl interrupted → deployment: cancel it only if it is still waiting for its turn; a holder runs on. */
export const withdrawIfWaitingSignal = defineSignal<[{ reason: string }]>('withdrawIfWaiting');
// approver → deployment: answered at once; the validator refuses what cannot count (self, unlisted, ended)
/** Approves a waiting deployment; answers with its approvals so far. */
export const approveUpdate = defineUpdate<ApprovalState, [{ by: string; comment?: string; idToken?: string }]>(
  'approve',
);
/** Rejects a waiting deployment: it ends rejected. */
export const rejectUpdate = defineUpdate<void, [{ by: string; reason: string; idToken?: string }]>('reject');
// deployctl run (the runner) → deployment
/** The runner takes the granted step; the first claim wins, and none is taken once a stop was asked for. */
export const runnerClaimSignal = defineSignal<[{ runnerId: string }]>('runnerClaim');
/**
 * The runner waits for its step and claims it in one round trip: answered with the deployment's state once the step
 * opens (claimed for this runner unless another claim or a stop came first) or once the deployment is over without
 * one. A runner whose server or workers do not take it falls back to looking (stateQuery) and runnerClaimSignal.
 */
export const runnerClaimUpdate = defineUpdate<DeploymentState, [{ runnerId: string }]>('runnerClaimTurn');
/** The runner's command still runs: a runner silent for the environment's runnerHeartbeatTimeout is lost. */
export const runnerHeartbeatSignal = defineSignal<[{ runnerId: string }]>('runnerHeartbeat');
export const runnerExitedSignal = defineSignal<[{ runnerId: string } & RunnerExit]>('runnerExited');

export const queueQuery = defineQuery<QueueView>('queue');
export const stateQuery = defineQuery<DeploymentState>('state');
/** The lock's answer to the release of a lease; null while the lease still holds the turn. */
export const releaseAnswerQuery = defineQuery<ReleaseAnswer | null, [string]>('releaseAnswer');
