// A deployment's state and rules: what the lock and operators tell it, and how it ends. Pure (the clock, the run and
// what a status change shows are given), so the rules are tested without a server; deployment.ts wires it.
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import {
  type ApprovalState,
  type Closure,
  type DeploymentInput,
  type DeploymentMemo,
  type DeploymentNotice,
  type DeploymentResult,
  type DeploymentState,
  type DeploymentStatus,
  FAILURE,
  FINAL_STATUSES,
  nameProblem,
  type NoticeKind,
  type PromotionEvidence,
  type Requester,
  type ReleaseAnswer,
  type TurnRequest,
} from '../contract';
import { approvedUntil, approverProblem, liveApprovals } from '../domain/approvals';
import { assemblyProblem } from '../domain/assembly-location';
import { closureLine, formatInstant } from '../domain/closure-wording';
import { formatDuration } from '../domain/durations';
import { present } from '../domain/present';
import { resultOf } from '../domain/result';

/** How a deployment was stopped before its end, and by whom. */
export interface StopReason {
  status: 'cancelled' | 'revoked' | 'superseded' | 'refused' | 'rejected';
  reason: string;
  by?: string;
  /** A refusal's failure type (FAILURE.environmentClosed when absent). */
  errorType?: string;
}

export interface DeploymentPorts {
  now(): number;
  /** This run of the deployment: signals of the lock for another run (reapplied by a reset) are not its own. */
  runId: string;
  /** Stops the deployment's work (its deploy step, or its wait for the turn). */
  stopWork(): void;
  /** Shows a new status (search attributes, the Web UI's details). */
  showStatus(state: DeploymentState): void;
}

/** Why a request cannot be taken at all, before anything is resolved or queued. */
export function requestProblem(input: DeploymentInput): string | undefined {
  const optional = (what: Parameters<typeof nameProblem>[0], value: string | undefined) =>
    value === undefined ? undefined : nameProblem(what, value);
  return (
    nameProblem('environment', input.environment) ??
    nameProblem('correlation ID', input.correlationId) ??
    optional('stack', input.stackName) ??
    (input.assembly === undefined ? undefined : assemblyProblem(input.assembly)) ??
    optional('actor', input.requestedBy) ??
    optional('ref', input.ref) ??
    (input.overrideFreeze === undefined ? undefined : overrideProblem(input.overrideFreeze.reason)) ??
    (input.notBefore === undefined || Number.isFinite(input.notBefore) ? undefined : 'invalid scheduled time') ??
    (input.rollback === undefined ? undefined : rollbackProblem(input.rollback)) ??
    (input.github === undefined ? undefined : githubProblem(input.github)) ??
    (input.idToken === undefined || (typeof input.idToken === 'string' && input.idToken.length <= 16_384)
      ? undefined
      : 'an ID token is a string of at most 16384 characters')
  );
}

function githubProblem(github: { repository: unknown; sha?: unknown }): string | undefined {
  if (typeof github.repository !== 'string') return 'a GitHub request names its repository';
  if (github.sha !== undefined && (typeof github.sha !== 'string' || nameProblem('ref', github.sha))) {
    return 'a GitHub commit is a ref';
  }
  return nameProblem('GitHub repository', github.repository);
}

function rollbackProblem(rollback: { correlationId: unknown; reason: unknown }): string | undefined {
  if (typeof rollback.correlationId !== 'string') return 'a rollback names the deployment it repeats';
  return nameProblem('correlation ID', rollback.correlationId) ?? overrideProblem(rollback.reason, 'a rollback');
}

function overrideProblem(reason: unknown, what = 'a freeze override'): string | undefined {
  if (typeof reason !== 'string' || reason.trim() === '') return `${what} needs a reason`;
  return reason.length > 200 ? `${what} reason has at most 200 characters` : undefined;
}

/** What failed a deployment, in words, and its failure type when it has one (see contract/failure-types.ts). */
export function failureOf(err: unknown): { message: string; type?: string } {
  // Activity failures wrap the real reason in `cause`.
  const failure = err instanceof ActivityFailure ? (err.cause ?? err) : err;
  if (failure instanceof TimeoutFailure && failure.timeoutType === 'HEARTBEAT') {
    return {
      message:
        'lost the worker running the deploy step (its heartbeat stopped); the deploy command was stopped with it',
      type: FAILURE.workerLost,
    };
  }
  const message = failure instanceof Error ? failure.message : String(failure);
  return failure instanceof ApplicationFailure && failure.type ? { message, type: failure.type } : { message };
}

export class DeploymentRun {
  readonly state: DeploymentState;
  /** The lease of the turn, once granted. */
  leaseId: string | undefined;
  /**
   * Until when it waits for the turn before giving up: set when it starts waiting; moved to the opening for a
   * detached request in a closed environment; undefined while it waits without a limit (detached, frozen by hand).
   */
  waitDeadline: number | undefined;
  /** Its request has reached the lock: approvals can be told to it. */
  turnRequested = false;
  private waiting: { waitMs: number; detached: boolean } | undefined;
  private stopReason: StopReason | undefined;

  constructor(
    input: DeploymentInput,
    workflowId: string,
    private readonly ports: DeploymentPorts,
  ) {
    this.state = {
      workflowId,
      environment: input.environment,
      correlationId: input.correlationId,
      ...present({ stackName: input.stackName, ref: input.ref }),
      priority: input.priority,
      status: 'pending',
      requestedAt: ports.now(),
      ...present({ ciRunUrl: input.ciRunUrl, assembly: input.assembly, requestedBy: input.requestedBy }),
      ...present({ scheduledFor: input.notBefore, rollback: input.rollback }),
      notificationsFailed: 0,
    };
  }

  setStatus(status: DeploymentStatus): void {
    this.state.status = status;
    this.ports.showStatus(this.state);
  }

  /** This run of the deployment: what it asks the lock with, and what the lock's messages must name. */
  get runId(): string {
    return this.ports.runId;
  }

  private forOtherRun(runId: string): boolean {
    return runId !== this.ports.runId;
  }

  granted({ leaseId, runId }: { leaseId: string; runId: string }): void {
    if (!this.forOtherRun(runId)) this.leaseId ??= leaseId;
  }

  /** The turn is gone whatever else was under way (a cancel, the step finishing): the outcome says revoked. */
  revoked({ leaseId, reason, by, runId }: { leaseId: string; reason: string; by?: string; runId: string }): void {
    if (this.forOtherRun(runId)) return;
    if (this.leaseId !== undefined && this.leaseId !== leaseId) return;
    this.leaseId ??= leaseId;
    this.stopReason = { status: 'revoked', reason: `force-released: ${reason}`, ...present({ by }) };
    this.ports.stopWork();
  }

  /** The environment is closed where it would join the queue: it waits for the opening, or is refused now. */
  closed({ runId, closure }: { runId: string; closure: Closure }): void {
    if (this.forOtherRun(runId) || this.leaseId !== undefined) return;
    this.state.closure = closure;
    this.reconsiderWait();
  }

  /** It starts waiting for the turn now, for at most `waitMs` from the time it joins the queue. */
  startWaiting(waitMs: number, detached: boolean): void {
    this.waiting = { waitMs, detached };
    this.waitDeadline = Math.max(this.ports.now(), this.state.scheduledFor ?? 0) + waitMs;
    this.reconsiderWait();
  }

  private reconsiderWait(): void {
    this.reconsiderSoak();
    const { closure } = this.state;
    if (!this.waiting || !closure || this.waitDeadline === undefined) return;
    const { waitMs, detached } = this.waiting;
    if (detached) {
      this.waitDeadline =
        closure.opensAt === undefined ? undefined : Math.max(this.waitDeadline, closure.opensAt + waitMs);
    } else if (closure.opensAt === undefined || closure.opensAt > this.waitDeadline) {
      const { environment } = this.state;
      const line = closureLine(closure, this.ports.now());
      this.stop({
        status: 'refused',
        reason:
          `${environment} is ${line}; the wait timeout (${formatDuration(waitMs)}) would end first ` +
          '(deployctl deploy --detach queues it to run when it opens)',
      });
    }
  }

  /** A ref still soaking upstream: a detached request waits for it; an attached one is refused if it would time out. */
  private reconsiderSoak(): void {
    const { soakUntil } = this.state;
    if (!this.waiting || soakUntil === undefined || this.waitDeadline === undefined) return;
    if (soakUntil <= this.waitDeadline) return;
    const { waitMs, detached } = this.waiting;
    if (detached) this.waitDeadline = soakUntil + waitMs;
    else {
      this.stop({
        status: 'refused',
        errorType: FAILURE.notPromoted,
        reason:
          `${this.state.ref} soaks upstream until ${formatInstant(soakUntil)}; the wait timeout ` +
          `(${formatDuration(waitMs)}) would end first (deployctl deploy --detach queues it to run then)`,
      });
    }
  }

  /** Refused before it was queued: the environment's rules say no (an override it does not allow, not promoted). */
  refuseNow(reason: string, errorType: string = FAILURE.environmentClosed): void {
    this.state.reason = reason;
    this.state.errorType = errorType;
    this.setStatus('refused');
  }

  /** Who asks, as its worker established it: a verified name replaces the one the caller gave. */
  admitted(requester: Requester): void {
    if (!requester.verified) {
      this.state.unverified = true;
      return;
    }
    this.state.requestedBy = requester.name;
    this.state.identity = requester.claims;
  }

  /** Promotion: its ref soaks upstream until `until`; the lock grants no turn before. */
  soaking(until: number): void {
    this.state.soakUntil = until;
  }

  /** Promotion: checked when its turn came, its ref passed; the upstream deployments are its evidence. */
  promoted(evidence: PromotionEvidence[]): void {
    this.state.promotedFrom = evidence;
  }

  /** The environment needs approvals: it waits for them before it may take its turn. */
  needsApproval(rule: { required: number; approvers?: string[] }): void {
    this.state.approval = { required: rule.required, ...present({ approvers: rule.approvers }), approvals: [] };
  }

  /** Whether `by` may approve (or, `rejecting`, reject) it now; undefined when they may, else why not. */
  /** Why no one can approve or reject it now (ended, or deploying); undefined while an approver could. */
  answerableProblem(): string | undefined {
    const { state } = this;
    const what = `deployment ${state.correlationId}`;
    if (FINAL_STATUSES.includes(state.status)) return `${what} has already ended (${state.status})`;
    if (this.leaseId !== undefined || state.status === 'deploying') return `${what} is already deploying`;
    return undefined;
  }

  approvalProblem(by: string, rejecting = false): string | undefined {
    const { state } = this;
    const rule = state.settings?.approvals;
    const what = `deployment ${state.correlationId}`;
    const unanswerable = this.answerableProblem();
    if (unanswerable !== undefined) return unanswerable;
    // (Not yet resolved: decided again once it is queued, when its environment's rules are known.)
    if (!state.settings) return undefined;
    if (!rule || !state.approval) return `${state.environment} needs no approvals`;
    const nameProblemOf = nameProblem('actor', by);
    if (nameProblemOf !== undefined) return nameProblemOf;
    const problem = approverProblem(
      rejecting ? { ...rule, allowSelf: true } : rule,
      by,
      state.requestedBy,
      state.environment,
    );
    if (problem !== undefined) return problem;
    const now = this.ports.now();
    if (!rejecting && liveApprovals(state.approval.approvals, now).some((a) => a.by === by)) {
      return `${by} has approved ${what} already`;
    }
    return undefined;
  }

  /** An approval, validated: returns until when its approvals count, if they now suffice. */
  approve({ by, comment }: { by: string; comment?: string }, expiresMs: number): ApprovalState {
    const approval = this.state.approval!;
    const now = this.ports.now();
    approval.approvals = [
      ...liveApprovals(approval.approvals, now),
      { by, at: now, expiresAt: now + expiresMs, ...present({ comment }) },
    ];
    const until = approvedUntil(approval.approvals, approval.required, now);
    if (until === undefined) delete approval.approvedUntil;
    else approval.approvedUntil = until;
    return approval;
  }

  /** Its approvals as the lock needs them: how many, and until when each counts. */
  approvalForLock(): TurnRequest['approval'] {
    const { approval } = this.state;
    if (!approval) return undefined;
    const live = liveApprovals(approval.approvals, this.ports.now());
    return { required: approval.required, expiresAt: live.map((given) => given.expiresAt) };
  }

  /** Rejected by an approver: it ends rejected. */
  reject({ by, reason }: { by: string; reason: string }): void {
    this.stop({ status: 'rejected', reason, by });
  }

  superseded({ byWorkflowId, runId }: { byWorkflowId: string; runId: string }): void {
    if (this.forOtherRun(runId) || this.leaseId !== undefined) return;
    this.stop({ status: 'superseded', reason: `superseded by ${byWorkflowId}` });
  }

  cancel({ reason, by }: { reason: string; by?: string }): void {
    this.stop({ status: 'cancelled', reason, ...present({ by }) });
  }

  /** Decided here, where a grant that crossed the request is known: a deployment that holds the turn runs on. */
  withdrawIfWaiting({ reason }: { reason: string }): void {
    if (this.leaseId === undefined) this.stop({ status: 'cancelled', reason });
  }

  private stop(reason: StopReason): void {
    this.stopReason ??= reason;
    this.ports.stopWork();
  }

  /** A request refused before it was queued. */
  refuse(problem: string): void {
    this.state.error = problem;
    this.state.errorType = FAILURE.badRequest;
    this.setStatus('failed');
  }

  queued(): void {
    this.state.queuedAt = this.ports.now();
    this.setStatus('queued');
  }

  gaveUpWaiting(waitMs: number, why?: string): void {
    this.state.error =
      why ?? `gave up waiting for environment ${this.state.environment} after ${formatDuration(waitMs)}`;
    this.setStatus('timed-out');
  }

  /** The turn has come: the deploy step starts. */
  deploying(): void {
    this.state.leaseId = this.leaseId;
    this.state.startedAt = this.ports.now();
    this.setStatus('deploying');
  }

  /**
   * The deployment's work ended with `err`. A step stopped because the deployment was cancelled may end as a failure
   * of its own (its command killed): a cancelled deployment is cancelled, whatever its step said last.
   */
  ended(err: unknown, cancelled: boolean): void {
    if (cancelled) {
      const end = this.stopReason ?? { status: 'cancelled' as const, reason: 'cancelled from the Web UI or API' };
      this.state.reason = end.reason;
      if (end.by !== undefined) this.state.stoppedBy = end.by;
      if (end.status === 'refused') this.state.errorType = end.errorType ?? FAILURE.environmentClosed;
      this.setStatus(end.status);
      return;
    }
    const failure = failureOf(err);
    this.state.error = failure.message;
    if (failure.type !== undefined) this.state.errorType = failure.type;
    this.setStatus('failed');
  }

  /** The deployment's work is over (however it ended): its clean-up begins, and the turn is given back. */
  finishing(): void {
    this.state.finishedAt ??= this.ports.now();
  }

  /**
   * The turn is given back; `answer`, the lock's, says whether a force-release crossed the release. Revoked means
   * revoked, whatever the step did meanwhile (stepCompleted says whether it had finished): the one place that
   * decides it, however the revoke arrived.
   */
  released(answer: ReleaseAnswer | undefined): void {
    if (answer?.closure !== undefined && this.state.startedAt !== undefined)
      this.state.finishedInFreeze = answer.closure;
    if (answer?.revokedReason !== undefined) {
      const { revokedReason, revokedBy } = answer;
      this.stopReason ??= {
        status: 'revoked',
        reason: `force-released: ${revokedReason}`,
        ...present({ by: revokedBy }),
      };
    }
    const end = this.stopReason;
    if (end?.status === 'revoked' && this.state.status !== 'revoked') {
      this.state.error = undefined;
      this.state.reason = end.reason;
      if (end.by !== undefined) this.state.stoppedBy = end.by;
      this.setStatus('revoked');
    }
  }

  /** A notice about this deployment: who and what, not its settings or the stack's resource map (notices are kept). */
  notice(kind: NoticeKind, detail?: string): DeploymentNotice {
    const { settings: _settings, notificationsFailed: _failed, stack: _stack, ...deployment } = this.state;
    return { kind, deployment, ...present({ detail }) };
  }

  result(): DeploymentResult {
    return resultOf(this.state);
  }

  /** What `deployctl history` shows beside the result. */
  memo(): Omit<DeploymentMemo, 'result'> {
    const { ref, requestedBy, ciRunUrl, freezeOverride, stackName, assembly, rollback } = this.state;
    return present({ ref, requestedBy, ciRunUrl, freezeOverride, stackName, assembly, rollback });
  }
}
