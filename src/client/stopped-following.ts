// What deployctl and the GitHub Action say, in the same words, when they stop following a deployment before its end:
// interrupted (the CI job cancelled), or Temporal out of reach; and the exit code each calls for.
import type { WorkflowHandle } from '@temporalio/client';
import {
  cancelDeploymentSignal,
  type DeploymentState,
  FINAL_STATUSES,
  stateQuery,
  withdrawIfWaitingSignal,
} from '../contract';
import { formatDuration } from '../domain/durations';
import type { deployment } from '../workflows';
import { EXIT } from './exit-codes';
import { exitCodeForInterrupt, type Interrupt } from './interruption';
import type { RunnerOutcome } from './runner-session';

/** A runner-side deploy followed to anything but its end. */
export type RunnerStopped = Exclude<RunnerOutcome, { kind: 'ended' }>;

/** The line that says how a runner-side deploy was left, and what the deployment does next. */
export function runnerStoppedLine(outcome: RunnerStopped, correlationId: string, link: string): string {
  switch (outcome.kind) {
    case 'interrupted': {
      const what = outcome.ranCommand ? 'stopped the command' : 'its command never ran';
      const then = outcome.result
        ? `the deployment ended ${outcome.result.status} and gave the turn back`
        : 'asked to cancel the deployment';
      return `${correlationId}: ${outcome.signal}: ${what}; ${then} (${link})`;
    }
    case 'left':
      return (
        `${correlationId}: ${outcome.signal}: the command had ended; ` +
        `the deployment finishes without this step (${link})`
      );
    case 'unreachable':
      return (
        `${correlationId}: could not reach Temporal for ${formatDuration(outcome.afterMs)}: stopped the command so ` +
        'that it cannot overlap the next deployment (the deployment will end as runner lost)'
      );
  }
}

export function runnerStoppedExitCode(outcome: RunnerStopped): number {
  return outcome.kind === 'unreachable' ? EXIT.unavailable : exitCodeForInterrupt(outcome.signal);
}

/** How long an interrupted follower waits to see what its request did: CI kills it a few seconds later. */
const INTERRUPT_REPORT_MS = 3000;

/**
 * Interrupted while following a deployment on the worker: a waiting one is withdrawn (it ends cancelled and the queue
 * moves on); a running one runs on, since stopping a stack update half-way is an operator's call, unless
 * `cancelOnInterrupt`. Says what happened to the deployment `id` (its correlation ID); returns the exit code.
 */
export async function interruptedFollowing(
  handle: WorkflowHandle<typeof deployment>,
  id: string,
  signal: Interrupt,
  options: { env: string; cancelOnInterrupt?: boolean },
  say: (line: string) => void,
): Promise<number> {
  const reason = `deployctl interrupted (${signal})`;
  if (options.cancelOnInterrupt) {
    await handle.signal(cancelDeploymentSignal, { reason });
    say(`${id}: ${signal}: cancel requested (--cancel-on-interrupt)`);
  } else {
    await handle.signal(withdrawIfWaitingSignal, { reason: `${reason} while waiting for its turn` });
    const status = await settledStatus(handle);
    if (status === 'cancelled') say(`${id}: ${signal}: withdrawn from the queue`);
    else if (FINAL_STATUSES.includes(status)) say(`${id}: ${signal}: the deployment had ended ${status}`);
    else if (status === 'deploying') {
      say(`${id}: ${signal}: it holds the turn and runs on (cancel it: deployctl cancel --env ${options.env} ${id})`);
    } else say(`${id}: ${signal}: asked to withdraw it while ${status}`);
  }
  return exitCodeForInterrupt(signal);
}

/** The deployment's status once the withdrawal has had its effect, or what it is after a short wait. */
async function settledStatus(handle: WorkflowHandle<typeof deployment>): Promise<DeploymentState['status']> {
  const deadline = Date.now() + INTERRUPT_REPORT_MS;
  let status: DeploymentState['status'] = 'queued';
  while (Date.now() < deadline) {
    status = (await handle.query(stateQuery)).status;
    if (status === 'deploying' || FINAL_STATUSES.includes(status)) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return status;
}
