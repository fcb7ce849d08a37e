// A bake (environments with `bake`): before its deploy step a deployment waits while one of the environment's alarms is
// in ALARM; after a successful step it keeps the turn for the bake's duration, reading the alarms every poll interval.
// An alarm then ends it failed (BakeAlarm) and freezes the environment before the turn is given back, so that the
// next deployment waits for a person.
import { ApplicationFailure, getExternalWorkflowHandle, log, sleep } from '@temporalio/workflow';
import {
  type BakeSettings,
  type EnvironmentSettings,
  FAILURE,
  type FiringAlarm,
  freezeSignal,
  lockWorkflowId,
} from '../contract';
import { formatDuration } from '../domain/durations';
import { stackCalls } from './activity-options';
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

/**
 * Keeps the turn for the bake's duration, reading the alarms. An alarm in ALARM freezes the environment (its lock
 * hears it before the turn is given back) and fails the deployment with BakeAlarm.
 */
export async function bake(run: DeploymentRun, settings: EnvironmentSettings & { bake: BakeSettings }): Promise<void> {
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
      const reason = `bake of ${state.correlationId}: ${alarmWords(alarm)}`.slice(0, 200);
      await getExternalWorkflowHandle(lockWorkflowId(settings.environment)).signal(freezeSignal, {
        reason,
        by: 'deployment-coordinator',
        ...(settings.calendar ? { calendar: settings.calendar } : {}),
      });
      throw ApplicationFailure.nonRetryable(`bake failed: ${alarmWords(alarm)}`, FAILURE.bakeAlarm, alarm);
    }
    if (Date.now() >= state.bake.until) break;
  }
  state.bake.passed = true;
}
