// An environment lock's state and rules: its queue, holder, leases and liveness, and what it decides to tell
// deployments. Pure (the clock and the log are given), so the rules are tested without a server; environment-lock.ts
// wires it to signals, queries and timers.
import type { Holder, QueueMode, QueueView, ReleaseAnswer, TurnRequest } from '../contract';
import { namedByWorkflowId } from '../contract/names';
import { present } from '../domain/present';
import { admit, queueView } from '../domain/queue-order';

/** Everything the lock carries across continue-as-new. */
export interface EnvironmentLockInput {
  environment: string;
  holder?: Holder;
  waiting?: TurnRequest[];
  nextLease?: number;
  recentDurationsMs?: number[];
  queueMode?: QueueMode;
  livenessCheckIntervalMs?: number;
  lastLivenessCheckAt?: number;
  /** The latest revoked leases, with who and why: how the lock answers the release of a lease it no longer holds. */
  revokedLeases?: RevokedLease[];
}

export interface RevokedLease {
  leaseId: string;
  reason: string;
  by?: string;
}

/** What the lock tells a deployment about its turn, besides a new grant (by signal; not a notice for people). */
export type LockDecision =
  | { kind: 'granted'; workflowId: string; runId: string; leaseId: string }
  | { kind: 'superseded'; workflowId: string; runId: string; byWorkflowId: string }
  | { kind: 'revoked'; workflowId: string; runId: string; leaseId: string; reason: string; by?: string };

/** When the lock must look at its holder next, with no signal to wake it: a revoke's deadline or a liveness check. */
export interface Wake {
  at: number;
  holder: Holder;
  /** The revoked holder's wait ends first: pass it over then (no liveness check). */
  revokeDue: boolean;
}

/** What the rules need from outside: the workflow's clock and log, and who to tell when the queue changes. */
export interface LockPorts {
  now(): number;
  queueChanged(): void;
  log: Record<'info' | 'warn', (message: string, fields: Record<string, unknown>) => void>;
}

const RECENT_DURATIONS_KEPT = 20;
/** Revokes are an operator's act, rare: far more than could still be releasing at once. */
const REVOKED_LEASES_KEPT = 50;
const DEFAULT_LIVENESS_CHECK_MS = 60_000;
const STALE_LEASE = 'the lock had passed the turn on';

/** A lease's ID: the environment and the lease's number, which counts the lock's grants from 1. */
export const leaseIdOf = (environment: string, lease: number) => `${environment}#${lease}`;
/** The number of the lease an ID names (NaN if it names none). */
const leaseNumberOf = (leaseId: string) => Number(leaseId.slice(leaseId.lastIndexOf('#') + 1));

/** A log line's fields for a line about one deployment: its workflow ID, environment and correlation ID. */
export const about = (workflowId: string) => ({ workflowId, ...namedByWorkflowId(workflowId) });

export class LockState {
  readonly environment: string;
  holder: Holder | undefined;
  waiting: TurnRequest[];
  private nextLease: number;
  private recentDurationsMs: number[];
  private queueMode: QueueMode;
  private livenessCheckIntervalMs: number;
  private lastLivenessCheckAt: number;
  private revokedLeases: RevokedLease[];
  private readonly decisions: LockDecision[] = [];

  constructor(
    input: EnvironmentLockInput,
    private readonly ports: LockPorts,
  ) {
    this.environment = input.environment;
    this.holder = input.holder;
    this.waiting = input.waiting ?? [];
    this.nextLease = input.nextLease ?? 1;
    this.recentDurationsMs = input.recentDurationsMs ?? [];
    this.queueMode = input.queueMode ?? 'queue';
    this.livenessCheckIntervalMs = input.livenessCheckIntervalMs ?? DEFAULT_LIVENESS_CHECK_MS;
    this.lastLivenessCheckAt = input.lastLivenessCheckAt ?? ports.now();
    this.revokedLeases = input.revokedLeases ?? [];
  }

  /** Takes a request for the turn; the newest request carries the environment's current settings. */
  request(request: TurnRequest): void {
    this.queueMode = request.queueMode;
    this.livenessCheckIntervalMs = request.livenessCheckIntervalMs;
    const admission = admit(this.holder, this.waiting, request, this.queueMode);
    if (admission.kind === 'holder-again') {
      const { workflowId, runId, leaseId } = admission.holder;
      this.decisions.push({ kind: 'granted', workflowId, runId, leaseId });
      return;
    }
    this.waiting = admission.waiting;
    for (const { workflowId, runId } of admission.kind === 'queued' ? admission.superseded : []) {
      this.decisions.push({ kind: 'superseded', workflowId, runId, byWorkflowId: request.workflowId });
    }
    this.ports.queueChanged();
  }

  /** Takes the release of `leaseId`: the turn is free unless the lease is stale. */
  release(leaseId: string, durationMs: number): void {
    const current = this.holder?.leaseId === leaseId ? this.holder : undefined;
    if (!current) {
      this.ports.log.info('Ignoring a release with a stale lease', {
        environment: this.environment,
        leaseId,
        currentLease: this.holder?.leaseId,
      });
      return;
    }
    // A revoked run's duration says nothing about how long deployments take.
    if (!current.revoked) {
      this.recentDurationsMs = [...this.recentDurationsMs, durationMs].slice(-RECENT_DURATIONS_KEPT);
    }
    this.free();
  }

  /** The turn is free. */
  private free(): void {
    this.holder = undefined;
    this.ports.queueChanged();
  }

  /**
   * How the lock took the release of a lease it no longer holds: revoked, if it was (passed over or released since);
   * else released by its deployment, as every other lease it has granted ends (a lock never drops a holder that is
   * still open). Worked out from the lease, not kept per release: a release sent again, however late, gets the same.
   * Null while the lease still holds the turn.
   */
  answerFor(leaseId: string): ReleaseAnswer | null {
    if (this.holder?.leaseId === leaseId) return null;
    const revoked = this.revokedLeases.find((entry) => entry.leaseId === leaseId);
    if (revoked) return { revokedReason: revoked.reason, ...present({ revokedBy: revoked.by }) };
    const granted = leaseNumberOf(leaseId);
    return Number.isInteger(granted) && granted > 0 && granted < this.nextLease ? {} : { revokedReason: STALE_LEASE };
  }

  withdraw(workflowId: string): void {
    this.waiting = this.waiting.filter((entry) => entry.workflowId !== workflowId);
    // A grant may have crossed the withdrawal in flight: the deployment will not use it.
    if (this.holder?.workflowId === workflowId) this.holder = undefined;
    this.ports.queueChanged();
  }

  /**
   * Revokes the holder's lease. It keeps the turn until it gives it back, its deploy step stopped, or until it has had
   * time to: force-release is for a stuck holder, never a way to run two deployments at once.
   */
  forceRelease(reason: string, by: string | undefined): void {
    const holder = this.holder;
    if (!holder || holder.revoked) return;
    const { workflowId, runId, leaseId } = holder;
    this.ports.log.warn('Turn force-released', { ...about(workflowId), leaseId, reason, by });
    this.revokedLeases = [...this.revokedLeases, { leaseId, reason, ...present({ by }) }].slice(-REVOKED_LEASES_KEPT);
    this.decisions.push({ kind: 'revoked', workflowId, runId, leaseId, reason, ...present({ by }) });
    this.holder = { ...holder, revoked: { reason, at: this.ports.now(), ...present({ by }) } };
  }

  view(): QueueView {
    return queueView(this.environment, this.holder, this.waiting, this.recentDurationsMs, this.ports.now());
  }

  /** Whether there is something to tell deployments or a turn to grant. */
  hasWork(): boolean {
    return this.decisions.length > 0 || (!this.holder && this.waiting.length > 0);
  }

  /** The decisions not yet told, oldest first; they are told once. */
  takeDecisions(): LockDecision[] {
    return this.decisions.splice(0);
  }

  /** Grants the turn to the first waiting request, if the turn is free; the caller tells it. */
  grantNext(): Holder | undefined {
    if (this.holder) return undefined;
    const [next, ...rest] = this.waiting;
    if (!next) return undefined;
    this.waiting = rest;
    const granted = { ...next, leaseId: leaseIdOf(this.environment, this.nextLease), grantedAt: this.ports.now() };
    this.holder = granted;
    this.nextLease += 1;
    this.ports.queueChanged();
    return granted;
  }

  /** The grant could not be told (the deployment closed before its turn came): the turn passes on. */
  grantUndelivered(granted: Holder, error: string): void {
    this.ports.log.warn('Turn could not be granted; passing it on', { ...about(granted.workflowId), error });
    if (this.holder?.leaseId === granted.leaseId) this.free();
  }

  /** When to look at the holder next (undefined when the turn is free); liveness checks keep a steady beat. */
  nextWake(): Wake | undefined {
    const holder = this.holder;
    if (!holder) return undefined;
    const nextCheckAt = this.lastLivenessCheckAt + this.livenessCheckIntervalMs;
    const deadline = holder.revoked ? holder.revoked.at + holder.revokeWaitMs : Infinity;
    const revokeDue = deadline < nextCheckAt;
    return { at: revokeDue ? deadline : nextCheckAt, holder, revokeDue };
  }

  /**
   * Passes over a revoked holder once its wait is over, if it still holds; true if it did. `due`: its timer rang,
   * which settles it whatever the clock of the task that met the timer says.
   */
  passOverUnresponsive(revoked: Holder, due: boolean): boolean {
    if (!revoked.revoked || this.holder?.leaseId !== revoked.leaseId) return false;
    if (!due && this.ports.now() < revoked.revoked.at + revoked.revokeWaitMs) return false;
    this.ports.log.warn('Revoked holder did not give the turn back in time; passing it on', {
      ...about(revoked.workflowId),
      leaseId: revoked.leaseId,
      waitedMs: this.ports.now() - revoked.revoked.at,
    });
    this.free();
    return true;
  }

  /** A liveness check begins now: the next one is due an interval later. */
  livenessCheckStarted(): void {
    this.lastLivenessCheckAt = this.ports.now();
  }

  /**
   * What a liveness check of `checked` found: a holder that has closed without giving the turn back is passed over
   * (true), if it still holds. Unknown counts as open: dropping a live holder would let two deployments run at once.
   */
  livenessChecked(checked: Holder, open: boolean): boolean {
    if (open || this.holder?.leaseId !== checked.leaseId) return false;
    this.ports.log.warn('Holder closed without releasing; passing the turn on', {
      ...about(checked.workflowId),
      leaseId: checked.leaseId,
    });
    this.free();
    return true;
  }

  /** What the next run of the lock starts from. */
  snapshot(): EnvironmentLockInput {
    return {
      environment: this.environment,
      ...present({ holder: this.holder }),
      waiting: this.waiting,
      nextLease: this.nextLease,
      recentDurationsMs: this.recentDurationsMs,
      queueMode: this.queueMode,
      livenessCheckIntervalMs: this.livenessCheckIntervalMs,
      lastLivenessCheckAt: this.lastLivenessCheckAt,
      ...(this.revokedLeases.length > 0 ? { revokedLeases: this.revokedLeases } : {}),
    };
  }
}
