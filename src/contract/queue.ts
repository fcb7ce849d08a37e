// An environment's queue as the lock keeps it and as deployctl and Slack show it.
import type { Closure, EnvironmentCalendar, FreezeOverride } from './calendar';
import type { Priority } from './deployment';
import type { NoticeRoute } from './notice';
import type { QueueMode } from './settings';

/**
 * What a lock that ended idle returns, for the next one its environment starts: the count of its leases (a lease ID is
 * never given twice) and the durations it learned (for ETAs).
 */
export interface EndedLock {
  nextLease: number;
  recentDurationsMs: number[];
}

/** A deployment's request for its environment's turn. */
export interface TurnRequest {
  workflowId: string;
  /**
   * The run that asks. A deployment reset from the Web UI asks again as a new run: the old run's grant, lease or place
   * never passes to it by mistake.
   */
  runId: string;
  correlationId: string;
  stackName: string;
  priority: Priority;
  requestedAt: number;
  queueMode: QueueMode;
  livenessCheckIntervalMs: number;
  /** How long the lock stays running idle before it ends (absent in requests before 1.8: it never ends). */
  idleLockTimeoutMs?: number;
  expectedDurationMs: number;
  /**
   * How long the lock waits, once it has revoked this deployment, for it to stop its deploy step and give the turn
   * back before passing the turn on anyway.
   */
  revokeWaitMs: number;
  /** Where the lock sends a notice about this deployment. */
  notices: NoticeRoute;
  /** The environment's windows, as the worker's config has them now. */
  calendar?: EnvironmentCalendar;
  /** Deploys through a closed environment (allowed by its config), with who and why. */
  override?: FreezeOverride;
  /** Joins the queue at this time (deployctl deploy --at), not before. */
  notBefore?: number;
  /** Promotion: not granted before this time, when its ref's soak upstream ends. */
  soakUntil?: number;
  /**
   * Approvals: granted only while `required` of its approvals are in force (each until its `expiresAt`). It keeps its
   * place meanwhile; the next request that may go takes the turn.
   */
  approval?: { required: number; expiresAt: number[] };
}

export interface Holder extends TurnRequest {
  leaseId: string;
  grantedAt: number;
  /** Force-released: the holder is stopping and keeps the turn until it gives it back or its wait runs out. */
  revoked?: { reason: string; at: number; by?: string };
}

export interface QueueEntryView {
  position: number;
  workflowId: string;
  correlationId: string;
  stackName: string;
  priority: Priority;
  requestedAt: number;
  /** Estimated milliseconds until this entry gets the turn. */
  etaMs: number;
  /** What it waits for besides its turn: "approval (0/1)", "soak until 14:30 UTC". */
  waitingFor?: string[];
}

/** A request that joins the queue later (deployctl deploy --at). */
export interface ScheduledEntryView {
  workflowId: string;
  correlationId: string;
  stackName: string;
  priority: Priority;
  requestedAt: number;
  joinsAt: number;
}

export interface QueueView {
  environment: string;
  holder: (Holder & { runningMs: number }) | null;
  waiting: QueueEntryView[];
  /** Why the environment is closed now and until when; null when open (absent from locks before 1.1). */
  closure?: Closure | null;
  scheduled?: ScheduledEntryView[];
}
