// A bake (environments with `bake`): before its deploy step a deployment waits while one of the environment's alarms is
// in ALARM; after a successful step it keeps the turn for the bake's duration, reading the alarms every poll interval.
// An alarm then ends it failed (BakeAlarm) and freezes the environment before the turn is given back, so that the
// next deployment waits for a person.
import { ApplicationFailure, getExternalWorkflowHandle, log, sleep } from '@temporalio/workflow';
import {
  type BakeSettings,
  type DeploymentInput,
  type EnvironmentSettings,
  FAILURE,
  type FiringAlarm,
  freezeSignal,
  lockWorkflowId,
} from '../contract';
import { formatDuration } from '../domain/durations';
import { bakeRollback, stackCalls } from './activity-options';
import type { DeploymentRun } from './deployment-run';
import { recordBakeAlarm } from './metrics';

const firing = (environment: string, bake: BakeSettings) =>
  stackCalls.firingAlarms({ environment, alarms: bake.alarms });

const alarmWords = (alarm: FiringAlarm) => `alarm ${alarm.name} is in ALARM${alarm.reason ? `: ${alarm.reason}` : ''}`;

/**
 * Waits while an alarm of the bake is in ALARM, until `deadline` (the deployment's wait timeout); returns the alarm
 * still firing then, or undefined once none fires.
 */
export async function waitWhileAlarming(
  run: DeploymentRun,
  settings: EnvironmentSettings & { bake: BakeSettings },
  deadline: number,
): Promise<FiringAlarm | undefined> {
  const { state } = run;
  for (;;) {
    const [alarm] = await firing(settings.environment, settings.bake);
    if (alarm === undefined) {
      delete state.heldByAlarm;
      return undefined;
    }
    if (state.heldByAlarm?.name !== alarm.name) log.info('Held back by an alarm', { alarm: alarm.name });
    state.heldByAlarm = alarm;
    const left = deadline - Date.now();
    if (left <= 0) return alarm;
    await sleep(Math.min(settings.bake.pollIntervalMs, left));
  }
}

/** Why a deployment held back by an alarm for its whole wait gave up. */
export function heldTooLongWords(environment: string, waitMs: number, alarm: FiringAlarm): string {
  return `gave up waiting for environment ${environment} after ${formatDuration(waitMs)}: its ${alarmWords(alarm)}`;
}

/** Freezes the environment: its lock hears it before the turn is given back, so that the next one waits for a person. */
export async function freezeFor(settings: EnvironmentSettings, reason: string): Promise<void> {
  await getExternalWorkflowHandle(lockWorkflowId(settings.environment)).signal(freezeSignal, {
    reason: reason.slice(0, 200),
    by: 'deployment-coordinator',
    ...(settings.calendar ? { calendar: settings.calendar } : {}),
  });
}

/**
 * Keeps the turn for the bake's duration, reading the alarms. An alarm in ALARM fails the deployment with BakeAlarm,
 * after freezing the environment or, with onAlarm rollback, queuing a rollback to the last good deployment (once: a
 * rollback's own alarm freezes, and so does a rollback that cannot be queued).
 */
export async function bake(
  run: DeploymentRun,
  settings: EnvironmentSettings & { bake: BakeSettings },
  input: DeploymentInput,
): Promise<void> {
  const { state } = run;
  const startedAt = Date.now();
  state.bake = { startedAt, until: startedAt + settings.bake.durationMs };
  log.info('Baking', { until: new Date(state.bake.until).toISOString(), alarms: settings.bake.alarms.length });
  for (;;) {
    const left = state.bake.until - Date.now();
    if (left > 0) await sleep(Math.min(settings.bake.pollIntervalMs, left));
    const [alarm] = await firing(settings.environment, settings.bake);
    if (alarm !== undefined) {
      state.bake.alarm = alarm;
      recordBakeAlarm(settings.environment, alarm.name);
      const what = `bake of ${state.correlationId}: ${alarmWords(alarm)}`;
      const rolledBack = await rollBack(settings, input, alarm, what);
      if (typeof rolledBack === 'string') await freezeFor(settings, rolledBack);
      else state.bake.rollback = rolledBack;
      const then = typeof rolledBack === 'string' ? '' : `; rolling back to ${rolledBack.to} (${rolledBack.queued})`;
      throw ApplicationFailure.nonRetryable(`bake failed: ${alarmWords(alarm)}${then}`, FAILURE.bakeAlarm, alarm);
    }
    if (Date.now() >= state.bake.until) break;
  }
  state.bake.passed = true;
}

/** The rollback queued for an alarm, or the reason to freeze instead. */
async function rollBack(
  settings: EnvironmentSettings & { bake: BakeSettings },
  input: DeploymentInput,
  alarm: FiringAlarm,
  what: string,
): Promise<{ queued: string; to: string } | string> {
  if (settings.bake.onAlarm !== 'rollback') return what;
  if (input.rollback) return `${what} (during a rollback: no second one)`;
  const queued = await bakeRollback
    .queueBakeRollback({
      environment: settings.environment,
      failed: { correlationId: input.correlationId, ...(input.ref === undefined ? {} : { ref: input.ref }) },
      alarm: alarm.name,
      reason: what.slice(0, 200),
    })
    .catch((err: unknown) => ({ none: `the rollback could not be queued (${String(err)})` }));
  return 'none' in queued ? `${what}; no rollback: ${queued.none}` : queued;
}
