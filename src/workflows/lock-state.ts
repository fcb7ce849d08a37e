// An environment lock's state and rules: its queue, holder, leases and liveness, and what it decides to tell
// deployments. Pure (the clock and the log are given), so the rules are tested without a server; environment-lock.ts
// wires it to signals, queries and timers.
import type {
  Closure,
  EndedLock,
  EnvironmentCalendar,
  Holder,
  ManualFreeze,
  QueueMode,
  QueueView,
  ReleaseAnswer,
  TurnRequest,
} from '../contract';
import { namedByWorkflowId } from '../contract/names';
import { closesAt, closureAt, frozenByHandAt } from '../domain/calendar';
import { closureLine, formatInstant } from '../domain/closure-wording';
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
  /** How long it stays running idle before it ends, as the newest request carried it (never, before 1.8). */
  idleLockTimeoutMs?: number;
  lastLivenessCheckAt?: number;
  /** The latest revoked leases, with who and why: how the lock answers the release of a lease it no longer holds. */
  revokedLeases?: RevokedLease[];
  /** The environment's windows, as the newest request or freeze carried them. */
  calendar?: EnvironmentCalendar;
  manualFreeze?: ManualFreeze;
  /** Requests that join the queue at a later time (deployctl deploy --at), soonest first. */
  scheduled?: TurnRequest[];
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
  | { kind: 'revoked'; workflowId: string; runId: string; leaseId: string; reason: string; by?: string }
  /** The environment is closed when the request would join the queue: whether to wait is the deployment's call. */
  | { kind: 'closed'; workflowId: string; runId: string; closure: Closure };

/**
 * When the lock must look again, with no signal to wake it: its holder (a revoke's deadline, a liveness check), or its
 * calendar (the environment opens, a scheduled request is due, a freeze by hand ends).
 */
export type Wake =
  | {
      at: number;
      holder: Holder;
      /** The revoked holder's wait ends first: pass it over then (no liveness check). */
      revokeDue: boolean;
    }
  | { at: number; holder?: undefined };

/** How many of a request's approvals are in force at `now`. */
const approvalsInForce = (approval: { expiresAt: number[] }, now: number) =>
  approval.expiresAt.filter((at) => at > now).length;

/** A request's point in time: when it joins the queue (now, or its scheduled time). */
const joinsAt = (request: TurnRequest, now: number) => Math.max(now, request.notBefore ?? now);

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
  private idleLockTimeoutMs: number | undefined;
  private lastLivenessCheckAt: number;
  private revokedLeases: RevokedLease[];
  private calendar: EnvironmentCalendar | undefined;
  private manualFreeze: ManualFreeze | undefined;
  private scheduled: TurnRequest[];
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
    this.idleLockTimeoutMs = input.idleLockTimeoutMs;
    this.lastLivenessCheckAt = input.lastLivenessCheckAt ?? ports.now();
    this.revokedLeases = input.revokedLeases ?? [];
    this.calendar = input.calendar;
    this.manualFreeze = input.manualFreeze;
    this.scheduled = input.scheduled ?? [];
  }

  /** Takes a request for the turn; the newest request carries the environment's current settings. */
  request(request: TurnRequest): void {
    this.queueMode = request.queueMode;
    this.livenessCheckIntervalMs = request.livenessCheckIntervalMs;
    this.idleLockTimeoutMs = request.idleLockTimeoutMs;
    if (request.calendar !== undefined || this.calendar !== undefined) this.calendar = request.calendar;
    const now = this.ports.now();
    const closure = request.override ? undefined : this.closureAt(joinsAt(request, now));
    if (closure) this.decisions.push({ kind: 'closed', workflowId: request.workflowId, runId: request.runId, closure });
    if ((request.notBefore ?? now) > now) {
      this.scheduled = [...this.scheduled.filter((entry) => entry.workflowId !== request.workflowId), request].sort(
        (a, b) => (a.notBefore ?? 0) - (b.notBefore ?? 0),
      );
      this.ports.queueChanged();
      return;
    }
    this.admit(request);
  }

  private admit(request: TurnRequest): void {
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
    // Whether it ended inside a freeze: said in its final notice.
    const closedNow = present({ closure: this.closureAt() });
    const revoked = this.revokedLeases.find((entry) => entry.leaseId === leaseId);
    if (revoked) return { revokedReason: revoked.reason, ...present({ revokedBy: revoked.by }), ...closedNow };
    const granted = leaseNumberOf(leaseId);
    const known = Number.isInteger(granted) && granted > 0 && granted < this.nextLease;
    return { ...(known ? {} : { revokedReason: STALE_LEASE }), ...closedNow };
  }

  withdraw(workflowId: string): void {
    this.waiting = this.waiting.filter((entry) => entry.workflowId !== workflowId);
    this.scheduled = this.scheduled.filter((entry) => entry.workflowId !== workflowId);
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

  /** Why the environment is closed at `at` (now by default), and when it opens; undefined when it is open. */
  closureAt(at = this.ports.now()): Closure | undefined {
    return closureAt(this.calendar, this.manualFreeze, at);
  }

  /** A freeze by hand: it holds the queue until lifted or until `until`; the running deployment runs on. */
  freeze(freeze: { reason: string; by?: string; until?: number }, calendar: EnvironmentCalendar | undefined): void {
    this.calendar = calendar;
    this.manualFreeze = { ...freeze, at: this.ports.now() };
    this.ports.log.warn('Environment frozen by hand', { environment: this.environment, ...freeze });
    this.ports.queueChanged();
  }

  /** One line for people: who holds the turn, how many wait, and why the environment is closed, if it is. */
  describe(): string {
    const now = this.ports.now();
    const closure = this.closureAt(now);
    const holder = this.holder ? `deploying ${this.holder.correlationId}` : 'free';
    const held = this.waiting.filter((request) => !this.isReady(request)).length;
    const closed = closure ? `; ${closureLine(closure, now)}` : '';
    const notReady = held > 0 ? ` (${held} for approval or soak)` : '';
    return `${this.environment}: ${holder}, ${this.waiting.length} waiting${notReady}${closed}`;
  }

  /** Whether the environment may change now. */
  isOpen(): boolean {
    return this.closureAt() === undefined;
  }

  /** Lifts a freeze by hand; the windows from config still apply. */
  unfreeze(unfreeze: { reason: string; by?: string }, calendar: EnvironmentCalendar | undefined): void {
    this.calendar = calendar;
    this.manualFreeze = undefined;
    this.ports.log.warn('Freeze lifted', { environment: this.environment, ...unfreeze });
    this.ports.queueChanged();
  }

  view(): QueueView {
    const now = this.ports.now();
    const closure = this.closureAt(now);
    const view = queueView(this.environment, this.holder, this.waiting, this.recentDurationsMs, now, closure);
    return {
      ...view,
      waiting: view.waiting.map((entry, index) => {
        const request = this.waiting[index]!;
        const waitingFor = this.waitingFor(request);
        // A soaking request starts no sooner than its soak ends.
        const etaMs = Math.max(entry.etaMs, (request.soakUntil ?? 0) - now);
        return waitingFor.length > 0 ? { ...entry, etaMs, waitingFor } : entry;
      }),
      closure: closure ?? null,
      scheduled: this.scheduled.map((request) => ({
        workflowId: request.workflowId,
        correlationId: request.correlationId,
        stackName: request.stackName,
        priority: request.priority,
        requestedAt: request.requestedAt,
        joinsAt: request.notBefore ?? now,
      })),
    };
  }

  /**
   * The admission rule: the first waiting request that may take the turn now. The environment must be open (or the
   * request overrides its freeze), and the request ready: its soak over, its approvals in force. One that is not
   * ready keeps its place; the next ready one goes first.
   */
  private nextEligible(): TurnRequest | undefined {
    if (this.waiting.length === 0) return undefined;
    const open = !this.closureAt();
    return this.waiting.find((request) => (open || request.override !== undefined) && this.isReady(request));
  }

  private isReady(request: TurnRequest): boolean {
    const now = this.ports.now();
    if (request.soakUntil !== undefined && request.soakUntil > now) return false;
    return request.approval === undefined || approvalsInForce(request.approval, now) >= request.approval.required;
  }

  /** What a waiting request waits for besides its turn, for people. */
  private waitingFor(request: TurnRequest): string[] {
    const now = this.ports.now();
    const { soakUntil, approval } = request;
    return [
      ...(soakUntil !== undefined && soakUntil > now ? [`soak until ${formatInstant(soakUntil)}`] : []),
      ...(approval && approvalsInForce(approval, now) < approval.required
        ? [`approval (${approvalsInForce(approval, now)}/${approval.required})`]
        : []),
    ];
  }

  /** A waiting deployment's approvals changed: it may take the turn while they are in force. */
  approvalChanged(change: { workflowId: string; runId: string; expiresAt: number[] }): void {
    // (A scheduled request, deployctl deploy --at, takes its approvals before it joins the queue.)
    let changed = false;
    const update = (requests: TurnRequest[]) =>
      requests.map((r) => {
        if (r.workflowId !== change.workflowId || r.runId !== change.runId || !r.approval) return r;
        changed = true;
        return { ...r, approval: { required: r.approval.required, expiresAt: change.expiresAt } };
      });
    this.waiting = update(this.waiting);
    this.scheduled = update(this.scheduled);
    if (changed) this.ports.queueChanged();
  }

  /** Scheduled requests whose time has come join the queue, in their time order. */
  admitDue(): void {
    const now = this.ports.now();
    while (this.scheduled.length > 0 && (this.scheduled[0]!.notBefore ?? 0) <= now) {
      const [due, ...rest] = this.scheduled;
      this.scheduled = rest;
      this.admit(due!);
    }
  }

  /**
   * How long it may wait idle before it ends, when it has nothing to keep: no holder, nobody waiting or scheduled,
   * nothing untold, no freeze by hand or windows (what it shows must follow them), no revoked lease (whose late release
   * it must answer). Undefined while it must keep running.
   */
  endsIdleAfterMs(): number | undefined {
    const idle =
      !this.holder &&
      this.waiting.length === 0 &&
      this.scheduled.length === 0 &&
      this.decisions.length === 0 &&
      this.calendar === undefined &&
      !frozenByHandAt(this.manualFreeze, this.ports.now()) &&
      this.revokedLeases.length === 0;
    return idle ? this.idleLockTimeoutMs : undefined;
  }

  /** What an ended lock hands to the next one its environment starts: its lease count and the durations it learned. */
  ended(): EndedLock {
    return { nextLease: this.nextLease, recentDurationsMs: this.recentDurationsMs };
  }

  /** Whether there is something to tell deployments or a turn to grant. */
  hasWork(): boolean {
    const due = (this.scheduled[0]?.notBefore ?? Infinity) <= this.ports.now();
    return this.decisions.length > 0 || due || (!this.holder && this.nextEligible() !== undefined);
  }

  /** The decisions not yet told, oldest first; they are told once. */
  takeDecisions(): LockDecision[] {
    return this.decisions.splice(0);
  }

  /** Grants the turn to the first waiting request, if the turn is free; the caller tells it. */
  grantNext(): Holder | undefined {
    if (this.holder) return undefined;
    const next = this.nextEligible();
    if (!next) return undefined;
    this.waiting = this.waiting.filter((entry) => entry !== next);
    if (next.override) {
      this.ports.log.warn('Turn granted through a closed environment (freeze override)', {
        ...about(next.workflowId),
        ...next.override,
      });
    }
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

  /**
   * When to look next (undefined when nothing can change without a signal): the holder's liveness checks keep a
   * steady beat; the calendar wakes the lock when the environment opens for a waiting request, when a scheduled
   * request is due and when a freeze by hand ends.
   */
  nextWake(): Wake | undefined {
    const holderWake = this.holderWake();
    const calendarAt = this.calendarWake();
    if (calendarAt !== undefined && (!holderWake || calendarAt < holderWake.at)) return { at: calendarAt };
    return holderWake;
  }

  private holderWake(): Wake | undefined {
    const holder = this.holder;
    if (!holder) return undefined;
    const nextCheckAt = this.lastLivenessCheckAt + this.livenessCheckIntervalMs;
    const deadline = holder.revoked ? holder.revoked.at + holder.revokeWaitMs : Infinity;
    const revokeDue = deadline < nextCheckAt;
    return { at: revokeDue ? deadline : nextCheckAt, holder, revokeDue };
  }

  /** When the calendar next needs the lock awake (see nextWake); undefined when it does not. */
  calendarWake(): number | undefined {
    const now = this.ports.now();
    // A soak's end lets a waiting request go.
    const times = [this.scheduled[0]?.notBefore, this.manualFreeze?.until, ...this.waiting.map((r) => r.soakUntil)];
    // Each opening and closing, so that what the lock shows (its gauge, its query) changes when the environment does.
    if (this.calendar || this.manualFreeze) {
      const closure = this.closureAt(now);
      times.push(closure ? closure.opensAt : closesAt(this.calendar, this.manualFreeze, now));
    }
    const future = times.filter((at): at is number => at !== undefined && at > now);
    return future.length > 0 ? Math.min(...future) : undefined;
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
      ...present({ idleLockTimeoutMs: this.idleLockTimeoutMs }),
      lastLivenessCheckAt: this.lastLivenessCheckAt,
      ...(this.revokedLeases.length > 0 ? { revokedLeases: this.revokedLeases } : {}),
      ...present({
        calendar: this.calendar,
        manualFreeze: frozenByHandAt(this.manualFreeze, this.ports.now()) ? this.manualFreeze : undefined,
      }),
      ...(this.scheduled.length > 0 ? { scheduled: this.scheduled } : {}),
    };
  }
}
