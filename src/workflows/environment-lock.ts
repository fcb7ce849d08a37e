// One long-lived workflow per environment that owns its waiting list and grants the turn by signal.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import {
  type DeploymentNotice,
  forceReleaseSignal,
  grantedSignal,
  type Holder,
  queueQuery,
  releaseAcknowledgedSignal,
  type ReleaseAnswer,
  releaseAnswerQuery,
  releaseTurnSignal,
  requestTurnSignal,
  revokedSignal,
  supersededSignal,
  type TurnRequest,
  withdrawSignal,
  type QueueMode,
} from '../contract';
import { namedByWorkflowId } from '../contract/names';
import { admit, queueView } from '../domain/queue-order';
import { DEFAULT_NOTIFY_TIMEOUT_MS, liveness } from './activity-options';
import { recordQueue } from './metrics';
import { deliverNotice, NOTIFICATIONS_PATCH } from './notifier';

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
  /** The latest revoked leases, with who and why: how releaseAnswerQuery answers for a lease no longer held. */
  revokedLeases?: Array<{ leaseId: string; reason: string; by?: string }>;
}

/** What the lock tells a deployment about its turn (by signal; not a notice for people). */
type LockDecision =
  | { kind: 'granted'; workflowId: string; runId?: string; leaseId: string }
  | { kind: 'superseded'; workflowId: string; runId?: string; byWorkflowId: string }
  | { kind: 'revoked'; workflowId: string; runId?: string; leaseId: string; reason: string; by?: string };

/** A log line's fields for a line about one deployment: its workflow ID, environment and correlation ID. */
const about = (workflowId: string) => ({ workflowId, ...namedByWorkflowId(workflowId) });

/** The run a decision is for, when the request named it. */
const runOf = (request: { runId?: string }) => (request.runId === undefined ? {} : { runId: request.runId });
/** A lease's ID: the environment and the lease's number, which counts the lock's grants from 1. */
const leaseIdOf = (environment: string, lease: number) => `${environment}#${lease}`;
/** The number of the lease an ID names (NaN if it names none). */
const leaseNumberOf = (leaseId: string) => Number(leaseId.slice(leaseId.lastIndexOf('#') + 1));

const RECENT_DURATIONS_KEPT = 20;
/** Revokes are an operator's act, rare: far more than could still be releasing at once. */
const REVOKED_LEASES_KEPT = 50;
const DEFAULT_LIVENESS_CHECK_MS = 60_000;
/** For requests from before deployments said how long their stop may take: the defaults' grace and heartbeat. */
const DEFAULT_REVOKE_WAIT_MS = 10_000 + 30_000 + 30_000;
/** Locks recorded before a revoked holder kept the turn until it had stopped pass it on at once. */
export const REVOKE_WAITS_FOR_STOP_PATCH = 'revoke-waits-for-stop';
/** Releases recorded before the lock acknowledged them got no answer. */
export const RELEASE_ACK_PATCH = 'release-acknowledged';
/**
 * Locks recorded before woke from a wait by whichever came first, the timer or a signal: on a worker that met the two
 * in different tasks that choice differed from a replay that met them together (a nondeterminism the chaos run
 * found). They now wake by the workflow clock.
 */
export const WAKE_BY_CLOCK_PATCH = 'wake-by-clock';
/**
 * Locks recorded before restarted their liveness timer at every handoff (each grant moved the next check) and
 * answered a release in the task after the grant: 16 history events a handoff. Now the checks keep a steady beat, so
 * one timer serves many handoffs, and the answer goes out with the grant.
 */
export const LEAN_HANDOFF_PATCH = 'lean-handoff';

export async function environmentLock(input: EnvironmentLockInput): Promise<void> {
  const { environment } = input;
  let holder = input.holder;
  let waiting = input.waiting ?? [];
  let nextLease = input.nextLease ?? 1;
  let recentDurationsMs = input.recentDurationsMs ?? [];
  let queueMode: QueueMode = input.queueMode ?? 'queue';
  let livenessCheckIntervalMs = input.livenessCheckIntervalMs ?? DEFAULT_LIVENESS_CHECK_MS;
  let lastLivenessCheckAt = input.lastLivenessCheckAt ?? Date.now();
  const decisions: LockDecision[] = [];
  /** The queue's gauges, set whenever the queue or its holder may have changed. */
  const reportQueue = () => recordQueue(environment, waiting.length, holder?.grantedAt);
  const acks: Array<{ workflowId: string; leaseId: string; revokedReason?: string; revokedBy?: string }> = [];

  setHandler(requestTurnSignal, (request) => {
    // The newest request carries the environment's current settings.
    queueMode = request.queueMode;
    livenessCheckIntervalMs = request.livenessCheckIntervalMs;
    const admission = admit(holder, waiting, request, queueMode);
    if (admission.kind === 'holder-again') {
      const { workflowId, leaseId } = admission.holder;
      decisions.push({ kind: 'granted', workflowId, ...runOf(admission.holder), leaseId });
      return;
    }
    waiting = admission.waiting;
    if (admission.kind === 'waiting-already') return;
    for (const entry of admission.superseded) {
      decisions.push({
        kind: 'superseded',
        workflowId: entry.workflowId,
        ...runOf(entry),
        byWorkflowId: request.workflowId,
      });
    }
    reportQueue();
  });

  let revokedLeases = input.revokedLeases ?? [];

  /**
   * How the lock took the release of a lease it no longer holds: revoked, if it was (passed over or released since);
   * else released by its deployment, as every other lease it has granted ends (a lock never drops a holder that is
   * still open). Worked out from the lease, not kept per release: a release sent again, however late, gets the same.
   */
  function answerFor(leaseId: string): ReleaseAnswer | null {
    if (holder?.leaseId === leaseId) return null;
    const revoked = revokedLeases.find((entry) => entry.leaseId === leaseId);
    if (revoked)
      return { revokedReason: revoked.reason, ...(revoked.by === undefined ? {} : { revokedBy: revoked.by }) };
    const granted = leaseNumberOf(leaseId);
    return Number.isInteger(granted) && granted > 0 && granted < nextLease
      ? {}
      : { revokedReason: 'the lock had passed the turn on' };
  }

  /** Takes a release of `leaseId`: the turn is free unless the lease is stale. */
  function takeRelease(leaseId: string, durationMs: number): ReleaseAnswer {
    const current = holder?.leaseId === leaseId ? holder : undefined;
    // A release can cross a revoke in flight: the answer tells the deployment how its turn really ended.
    const revokedReason = current ? current.revoked?.reason : 'the lock had passed the turn on';
    const revokedBy = current?.revoked?.by;
    const answer = {
      ...(revokedReason === undefined ? {} : { revokedReason }),
      ...(revokedBy === undefined ? {} : { revokedBy }),
    };
    if (!current) {
      log.info('Ignoring a release with a stale lease', { environment, leaseId, currentLease: holder?.leaseId });
      return answer;
    }
    // A revoked run's duration says nothing about how long deployments take.
    if (!current.revoked) recentDurationsMs = [...recentDurationsMs, durationMs].slice(-RECENT_DURATIONS_KEPT);
    holder = undefined;
    reportQueue();
    return answer;
  }

  setHandler(releaseTurnSignal, ({ leaseId, durationMs, workflowId, keepAnswer }) => {
    const answer = takeRelease(leaseId, durationMs);
    // (A release that asks by query, keepAnswer, is answered by answerFor instead.)
    if (!keepAnswer && workflowId !== undefined && patched(RELEASE_ACK_PATCH)) {
      acks.push({ workflowId, leaseId, ...answer });
    }
  });

  setHandler(releaseAnswerQuery, answerFor);

  setHandler(withdrawSignal, ({ workflowId }) => {
    waiting = waiting.filter((entry) => entry.workflowId !== workflowId);
    // A grant may have crossed the withdrawal in flight: the deployment will not use it.
    if (holder?.workflowId === workflowId) holder = undefined;
    reportQueue();
  });

  setHandler(forceReleaseSignal, ({ reason, by }) => {
    if (!holder || holder.revoked) return;
    const { workflowId, leaseId } = holder;
    log.warn('Turn force-released', { ...about(workflowId), leaseId, reason, by });
    revokedLeases = [...revokedLeases, { leaseId, reason, ...(by === undefined ? {} : { by }) }].slice(
      -REVOKED_LEASES_KEPT,
    );
    decisions.push({
      kind: 'revoked',
      workflowId,
      ...runOf(holder),
      leaseId,
      reason,
      ...(by === undefined ? {} : { by }),
    });
    if (patched(REVOKE_WAITS_FOR_STOP_PATCH)) {
      // The holder keeps the turn until it gives it back, its deploy step stopped, or until it has had time to:
      // force-release is for a stuck holder, never a way to run two deployments at once.
      holder = { ...holder, revoked: { reason, at: Date.now(), ...(by === undefined ? {} : { by }) } };
    } else {
      holder = undefined;
    }
  });

  setHandler(queueQuery, () => queueView(environment, holder, waiting, recentDurationsMs, Date.now()));

  const hasWork = () =>
    decisions.length > 0 || acks.length > 0 || (!holder && waiting.length > 0) || workflowInfo().continueAsNewSuggested;

  async function announceDecisions(): Promise<void> {
    while (decisions.length > 0) {
      const decision = decisions.shift();
      if (!decision) break;
      const target = getExternalWorkflowHandle(decision.workflowId);
      try {
        if (decision.kind === 'granted') {
          await target.signal(grantedSignal, { leaseId: decision.leaseId, ...runOf(decision) });
        } else if (decision.kind === 'superseded') {
          await target.signal(supersededSignal, { byWorkflowId: decision.byWorkflowId, ...runOf(decision) });
        } else {
          const { leaseId, reason, by } = decision;
          await target.signal(revokedSignal, {
            leaseId,
            reason,
            ...(by === undefined ? {} : { by }),
            ...runOf(decision),
          });
        }
      } catch (err) {
        // The deployment has closed already: nothing left to tell it.
        log.info('Could not notify a deployment', { ...about(decision.workflowId), decision, error: String(err) });
      }
    }
  }

  /** After the grant, and not awaited: the next deployment's turn never waits for these. */
  function acknowledgeReleases(): void {
    for (const { workflowId, ...ack } of acks.splice(0)) {
      getExternalWorkflowHandle(workflowId)
        .signal(releaseAcknowledgedSignal, ack)
        .catch((err: unknown) =>
          log.info('Could not acknowledge a release', { ...about(workflowId), error: String(err) }),
        );
    }
  }

  async function grantNext(): Promise<void> {
    while (!holder && waiting.length > 0) {
      const [next, ...rest] = waiting;
      if (!next) break;
      waiting = rest;
      const granted: Holder = { ...next, leaseId: leaseIdOf(environment, nextLease), grantedAt: Date.now() };
      nextLease += 1;
      holder = granted;
      // Lean handoffs check liveness on a steady beat instead: the next check is not moved by each grant.
      if (!patched(LEAN_HANDOFF_PATCH)) lastLivenessCheckAt = granted.grantedAt;
      try {
        const grant = getExternalWorkflowHandle(granted.workflowId).signal(grantedSignal, {
          leaseId: granted.leaseId,
          ...runOf(granted),
        });
        // In the same task as the grant, not one after it: one workflow task less per handoff.
        if (acks.length > 0 && patched(LEAN_HANDOFF_PATCH)) acknowledgeReleases();
        await grant;
      } catch (err) {
        // Closed before its turn came (terminated, timed out): pass the turn on instead of failing the lock.
        log.warn('Turn could not be granted; passing it on', {
          ...about(granted.workflowId),
          error: String(err),
        });
        if (holder?.leaseId === granted.leaseId) holder = undefined;
      }
    }
  }

  /** When a revoked holder that has not given the turn back is passed over anyway. */
  const revokeDeadline = (revoked: Holder) =>
    (revoked.revoked?.at ?? 0) + (revoked.revokeWaitMs ?? DEFAULT_REVOKE_WAIT_MS);

  /**
   * Passes over `revoked` (the holder by default) once its wait is over, if it still holds; true if it did. `due`: its
   * timer rang, which settles it whatever the clock of the task that met the timer says.
   */
  function passOverUnresponsive(revoked = holder, due = false): boolean {
    if (!revoked?.revoked || (!due && Date.now() < revokeDeadline(revoked))) return false;
    if (holder?.leaseId !== revoked.leaseId) return false;
    log.warn('Revoked holder did not give the turn back in time; passing it on', {
      ...about(revoked.workflowId),
      leaseId: revoked.leaseId,
      waitedMs: Date.now() - revoked.revoked.at,
    });
    holder = undefined;
    return true;
  }

  async function checkHolderAlive(checked = holder): Promise<void> {
    if (!checked) return;
    lastLivenessCheckAt = Date.now();
    let open = true;
    try {
      open = await liveness.isDeploymentOpen({ workflowId: checked.workflowId, ...runOf(checked) });
    } catch (err) {
      // Unknown is not dead: dropping a live holder would let two deployments run at once.
      log.warn('Liveness check failed; keeping the holder', { environment, error: String(err) });
    }
    if (!open && holder?.leaseId === checked.leaseId) {
      log.warn('Holder closed without releasing; passing the turn on', {
        ...about(checked.workflowId),
        leaseId: checked.leaseId,
      });
      holder = undefined;
      tellStaleRecovered(checked);
    }
  }

  /** Best effort and in the background: the turn has been passed on already. */
  function tellStaleRecovered(stale: Holder): void {
    if (!patched(NOTIFICATIONS_PATCH)) return;
    const notice: DeploymentNotice = {
      kind: 'stale-recovered',
      deployment: {
        workflowId: stale.workflowId,
        environment,
        correlationId: stale.correlationId,
        stackName: stale.stackName,
        priority: stale.priority,
        status: 'failed',
        requestedAt: stale.requestedAt,
        startedAt: stale.grantedAt,
        error: 'ended without giving its turn back (terminated or timed out)',
      },
      detail: `Stale lock recovered: ${stale.correlationId} ended without giving its turn back; ${environment} was passed on.`,
    };
    deliverNotice(notice, stale.notices, DEFAULT_NOTIFY_TIMEOUT_MS).catch((err: unknown) =>
      log.warn('Notification not delivered', { notice: notice.kind, error: String(err) }),
    );
  }

  /** The liveness timer of lean handoffs: when it rings, and whether it has. */
  interface Alarm {
    at: number;
    rang: boolean;
  }
  let alarm: Alarm | undefined;
  function setAlarm(at: number): Alarm {
    const set: Alarm = { at, rang: false };
    void sleep(Math.max(1, at - Date.now())).then(() => {
      set.rang = true;
    });
    return set;
  }

  for (;;) {
    if (!hasWork()) {
      if (holder) {
        const nextCheckAt = lastLivenessCheckAt + livenessCheckIntervalMs;
        const revokeDueFirst = holder.revoked !== undefined && revokeDeadline(holder) < nextCheckAt;
        const wakeAt = revokeDueFirst ? revokeDeadline(holder) : nextCheckAt;
        const watched = holder;
        if (patched(LEAN_HANDOFF_PATCH)) {
          // One timer for each wake time, kept across handoffs (which no longer move the wake time); a wait ends
          // due as the timer-per-wait below does: its timer rang, or the workflow clock says so.
          if (!alarm || alarm.rang || alarm.at !== wakeAt) alarm = setAlarm(wakeAt);
          const waited = alarm;
          await condition(() => hasWork() || waited.rang);
          if (waited.rang || Date.now() >= wakeAt) {
            const passedOver = passOverUnresponsive(watched, revokeDueFirst && waited.rang);
            if (!passedOver && !revokeDueFirst) await checkHolderAlive(watched);
            reportQueue();
          }
          continue;
        }
        const woke = await condition(hasWork, Math.max(1, wakeAt - Date.now()));
        if (!woke || Date.now() >= wakeAt) {
          if (patched(WAKE_BY_CLOCK_PATCH)) {
            // Decided by the workflow's clock and the holder as it was when the wait began, not by whether the timer
            // or a signal of the same task came first: a worker that met the timer alone (its task split by a query
            // while it replayed) and one that replays both together then make the same commands.
            if (!passOverUnresponsive(watched) && !revokeDueFirst) await checkHolderAlive(watched);
          } else if (!woke) {
            passOverUnresponsive();
            if (holder && !revokeDueFirst) await checkHolderAlive();
          }
          reportQueue();
        }
      } else {
        await condition(hasWork);
      }
    }
    await announceDecisions();
    await grantNext();
    acknowledgeReleases();
    reportQueue();
    if (workflowInfo().continueAsNewSuggested && decisions.length === 0) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof environmentLock>({
        environment,
        holder,
        waiting,
        nextLease,
        recentDurationsMs,
        queueMode,
        livenessCheckIntervalMs,
        lastLivenessCheckAt,
        ...(revokedLeases.length > 0 ? { revokedLeases } : {}),
      });
    }
  }
}
