// The deployment's side of its environment's lock: how long a revoke may wait for it, and giving the turn back.
import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import {
  type DeploymentState,
  type EnvironmentSettings,
  lockWorkflowId,
  type ReleaseOutcome,
  releaseTurnSignal,
  withdrawSignal,
} from '../contract';
import { runnerKillGraceMs } from '../domain/runner-timing';
import { releaseCalls } from './activity-options';

/** Time for a revoked deployment's clean-up and release, beyond the stop of its deploy step. */
const REVOKE_WAIT_MARGIN_MS = 30_000;

/** How long the lock should wait for this deployment to stop once revoked: the cancel's delivery, then the grace. */
export function revokeWaitMs(settings: EnvironmentSettings, onRunner: boolean): number {
  if (onRunner) {
    // The runner sees the stop within a poll and stops its command within the grace, or is lost at the timeout.
    const timeoutMs = settings.runnerHeartbeatTimeoutMs;
    return timeoutMs + runnerKillGraceMs(timeoutMs) + REVOKE_WAIT_MARGIN_MS;
  }
  if (settings.deploy.type === 'runner') return REVOKE_WAIT_MARGIN_MS; // (refused before it could hold the turn)
  return settings.deploy.heartbeatTimeoutMs + settings.deploy.killGracePeriodMs + REVOKE_WAIT_MARGIN_MS;
}

/** How long the deployment held the turn, as the lock keeps it to estimate waits. */
const heldMs = (state: DeploymentState) => (state.finishedAt ?? 0) - (state.startedAt ?? state.finishedAt ?? 0);

/**
 * Gives the turn back from a local activity, which also asks the lock how it took the release: no signal command, no
 * acknowledgement and no timer to wait for one. Undefined when the activity could not send the release at all: the
 * caller then releases by signal, which the lock takes whenever it next runs.
 */
export async function releaseAndAsk(
  environment: string,
  leaseId: string,
  state: DeploymentState,
): Promise<ReleaseOutcome | undefined> {
  try {
    const outcome = await releaseCalls.releaseTurn({ environment, leaseId, durationMs: heldMs(state) });
    if (outcome.lock === 'unanswered') {
      log.warn('The lock took no release answer in time; the deployment ends without it', { environment, leaseId });
    }
    return outcome;
  } catch (err) {
    log.warn('Could not release from a local activity; releasing by signal', {
      environment,
      leaseId,
      error: String(err),
    });
    return undefined;
  }
}

/**
 * Releases the turn by signal (or withdraws from the queue when it never came), when the local activity could not:
 * the lock takes it whenever it next runs. False when the lock could not be told.
 */
export async function giveBackTurn(
  environment: string,
  workflowId: string,
  leaseId: string | undefined,
  state: DeploymentState,
): Promise<boolean> {
  const lock = getExternalWorkflowHandle(lockWorkflowId(environment));
  try {
    if (leaseId !== undefined) await lock.signal(releaseTurnSignal, { leaseId, durationMs: heldMs(state) });
    else await lock.signal(withdrawSignal, { workflowId });
    return true;
  } catch (err) {
    // Without a lock workflow there is nothing to give back; its liveness check covers the rest.
    log.warn('Could not give the turn back', { workflowId, error: String(err) });
    return false;
  }
}
