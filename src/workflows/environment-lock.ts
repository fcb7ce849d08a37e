// One long-lived workflow per environment that owns its waiting list and grants the turn by signal. Its rules live in
// LockState; this file wires them to signals, queries, timers and the liveness activity.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import {
  approvalSignal,
  type EndedLock,
  forceReleaseSignal,
  forceReleaseUpdate,
  freezeSignal,
  type Holder,
  type OperatorMessage,
  queueQuery,
  releaseAnswerQuery,
  releaseTurnSignal,
  releaseTurnUpdate,
  requestTurnSignal,
  withdrawSignal,
} from '../contract';
import { type EnvironmentLockInput, LockState } from './lock-state';
import { PATCHES } from './patches';
import { liveness } from './activity-options';
import { authorizedOperator, isAccessDenied } from './operators';
import { grant, tell, tellStaleRecovered } from './lock-messages';
import { recordFreezeChange, recordOpen, recordQueue } from './metrics';

export type { EnvironmentLockInput };

/**
 * Runs an environment's queue. Returns, ended, once it has had nothing to keep for its idle timeout (since 1.8): the
 * next request starts a new run with what it returned.
 */
export async function environmentLock(input: EnvironmentLockInput): Promise<EndedLock | void> {
  const lock: LockState = new LockState(input, { now: Date.now, log, queueChanged: () => show() });
  /** The queue's gauges and the lock's details in the Web UI: set when its queue, holder or calendar changes. */
  const show = () => {
    recordQueue(lock.environment, lock.waiting.length, lock.holder?.grantedAt);
    recordOpen(lock.environment, lock.isOpen());
    setCurrentDetails(lock.describe());
  };

  setHandler(requestTurnSignal, (request) => lock.request(request));
  setHandler(releaseTurnSignal, ({ leaseId, durationMs }) => lock.release(leaseId, durationMs));
  // The answer goes back with the task that takes the release: nobody has to query the lock for it.
  setHandler(releaseTurnUpdate, ({ leaseId, durationMs }) => {
    lock.release(leaseId, durationMs);
    return lock.answerFor(leaseId);
  });
  setHandler(withdrawSignal, ({ workflowId }) => lock.withdraw(workflowId));
  setHandler(approvalSignal, (change) => lock.approvalChanged(change));
  /** A force-release takes effect once the environment's operator rules allow it; a refusal is counted and logged. */
  const forceRelease = async (message: OperatorMessage, actingFor: string) => {
    const { shown } = await authorizedOperator(lock.environment, 'forceRelease', actingFor, message);
    lock.forceRelease(message.reason, shown);
  };
  setHandler(forceReleaseSignal, (message) =>
    // (A signal has no answer: a refusal, or rules that could not be asked, is logged; the lock goes on.)
    forceRelease(message, `${workflowInfo().workflowId}/forceRelease`).catch((err: unknown) => {
      const what = isAccessDenied(err) ? 'Force-release refused' : 'Force-release not decided';
      log.warn(what, { environment: lock.environment, reason: message.reason, error: String(err) });
    }),
  );
  setHandler(forceReleaseUpdate, (message) =>
    forceRelease(message, `${workflowInfo().workflowId}/forceRelease/${currentUpdateInfo()?.id ?? ''}`),
  );
  setHandler(freezeSignal, ({ lift, calendar, ...freeze }) => {
    recordFreezeChange(lock.environment, lift ? 'unfreeze' : 'freeze');
    if (lift) lock.unfreeze(freeze, calendar);
    else lock.freeze(freeze, calendar);
  });
  setHandler(releaseAnswerQuery, (leaseId) => lock.answerFor(leaseId));
  setHandler(queueQuery, () => lock.view());

  const hasWork = () => lock.hasWork() || workflowInfo().continueAsNewSuggested;
  // Asked once, as the run starts: a run begun before 1.8 keeps its old ways on replay until it continues as new.
  const endsWhenIdle = patched(PATCHES.idleLockEnds.id);
  const idleNow = () => (endsWhenIdle ? lock.endsIdleAfterMs() : undefined);
  /** The liveness timer: one for each wake time, kept across handoffs (which do not move the wake time). */
  let alarm: { at: number; rang: boolean } | undefined;

  for (;;) {
    if (!hasWork()) {
      const wake = lock.nextWake();
      // A request or freeze that moves the calendar's next wake-up (a scheduled request, a closed environment)
      // sets the alarm anew.
      const calendarAt = lock.calendarWake();
      const calendarMoved = () => lock.calendarWake() !== calendarAt;
      const idleMs = wake ? undefined : idleNow();
      if (idleMs !== undefined) {
        // Idle: it ends unless something comes within the timeout. A request that crosses the end fails the task
        // that would complete it (the server refuses a completion while new events wait) and is taken on its retry.
        const stillIdle = () => idleNow() !== undefined && !hasWork();
        if (await condition(() => !stillIdle() || calendarMoved(), idleMs)) continue;
        await condition(allHandlersFinished);
        if (stillIdle()) return lock.ended();
        continue;
      }
      if (!wake) {
        // (Since 1.8 also when it has nothing left to keep: a freeze by hand lifted, say.)
        await condition(() => hasWork() || calendarMoved() || idleNow() !== undefined);
      } else {
        if (!alarm || alarm.rang || alarm.at !== wake.at) alarm = setAlarm(wake.at);
        const waited = alarm;
        // (Since 1.8 also when the holder gives the turn back to nobody: the lock is idle from then.)
        const idleFromNow = () => wake.holder !== undefined && idleNow() !== undefined;
        await condition(() => hasWork() || waited.rang || calendarMoved() || idleFromNow());
        // Due when its timer rang, or when the workflow clock says so: a replay that meets the timer and a signal in
        // one task decides as the worker that met them apart did.
        // (A calendar wake-up: the environment opened or closed.)
        if (!wake.holder) show();
        if (wake.holder && (waited.rang || Date.now() >= wake.at)) {
          const passedOver = lock.passOverUnresponsive(wake.holder, wake.revokeDue && waited.rang);
          if (!passedOver && !wake.revokeDue) await checkHolderAlive(wake.holder);
        }
        continue;
      }
    }
    lock.admitDue();
    for (const decision of lock.takeDecisions()) await tell(decision);
    for (let granted = lock.grantNext(); granted; granted = lock.grantNext()) await grant(lock, granted);
    if (workflowInfo().continueAsNewSuggested && !lock.hasWork()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof environmentLock>(lock.snapshot());
    }
  }

  async function checkHolderAlive(checked: Holder): Promise<void> {
    lock.livenessCheckStarted();
    let open = true;
    try {
      open = await liveness.isDeploymentOpen({ workflowId: checked.workflowId, runId: checked.runId });
    } catch (err) {
      log.warn('Liveness check failed; keeping the holder', { environment: lock.environment, error: String(err) });
    }
    if (lock.livenessChecked(checked, open)) tellStaleRecovered(lock.environment, checked);
  }
}

function setAlarm(at: number): { at: number; rang: boolean } {
  const alarm = { at, rang: false };
  void sleep(Math.max(1, at - Date.now())).then(() => {
    alarm.rang = true;
  });
  return alarm;
}
