// Runner-side deploys (deployctl run): the deploy step is a command the CI runner that asked runs itself once the turn
// is granted. The deployment waits for the runner's exit or for its heartbeats to stop; a runner that goes silent
// (killed, its machine lost) fails the deployment as lost, and the turn goes on without it.
import { HandlerUnfinishedPolicy } from '@temporalio/common';
import { ApplicationFailure, CancellationScope, condition, isCancellation, setHandler } from '@temporalio/workflow';
import {
  type DeploymentState,
  type DeploySettings,
  type EnvironmentSettings,
  FAILURE,
  type RunnerDeploySettings,
  type RunnerStep,
  runnerClaimSignal,
  runnerClaimUpdate,
  runnerExitedSignal,
  runnerHeartbeatSignal,
} from '../../contract';
import { formatDuration } from '../../domain/durations';
import type { Deployer } from './deployer';
import { refuseWhileLocalWorkRuns } from '../operators';

/** The runner's messages to one deployment, kept in its state where deployctl run reads them back. */
export class RunnerLink {
  /** A claim that came before its step opened, taken when it opens (with `keepEarlyClaim`). */
  private earlyClaim: string | undefined;
  /** Runners that said they exited before they held the step (interrupted while waiting): they claim nothing. */
  private readonly gone = new Set<string>();

  /**
   * `keepEarlyClaim`: a claim that comes before the step opens is kept for it. A runner claims only once a query has
   * shown it the step open, but that answer can come from a workflow task the server then lost (a worker that took
   * the grant and answered, then a lost completion): the next task brings the grant and the claim together, and the
   * claim, handled first, was dropped, where the worker that answered had taken it (a history that did not replay).
   */
  constructor(
    private readonly state: DeploymentState,
    private readonly keepEarlyClaim = false,
  ) {
    setHandler(runnerClaimSignal, ({ runnerId }) => {
      const step = state.runner;
      if (step === undefined) {
        if (this.keepEarlyClaim) this.earlyClaim ??= runnerId;
        return;
      }
      this.claim(step, runnerId);
    });
    // Claimed in the task that opens the step: the runner hears of its turn as the grant lands, not at its next look.
    setHandler(
      runnerClaimUpdate,
      async ({ runnerId }) => {
        await condition(() => state.runner !== undefined || state.finishedAt !== undefined);
        if (state.runner !== undefined) this.claim(state.runner, runnerId);
        return state;
      },
      {
        // (A deployment that ends with the runner still waiting: the runner learns the outcome by following it.)
        unfinishedPolicy: HandlerUnfinishedPolicy.ABANDON,
        // Taken only where no local activity runs, as operators' messages are (local-work.ts): else sent again.
        validator: (claim: { runnerId: string }) => refuseWhileLocalWorkRuns(claim),
      },
    );
    setHandler(runnerHeartbeatSignal, ({ runnerId }) => {
      const step = state.runner;
      if (step !== undefined && step.runnerId === runnerId) step.lastHeartbeatAt = Date.now();
    });
    setHandler(runnerExitedSignal, ({ runnerId, ...exit }) => {
      const step = state.runner;
      if (step !== undefined && step.runnerId === runnerId) step.exit ??= exit;
      else this.gone.add(runnerId);
    });
  }

  /** Opens the step for a runner to claim, and waits for its command's exit (see `deployOnRunner`). */
  begin(): RunnerStep {
    const now = Date.now();
    this.state.runner = { startedAt: now, lastHeartbeatAt: now };
    if (this.earlyClaim !== undefined) this.claim(this.state.runner, this.earlyClaim);
    return this.state.runner;
  }

  /** The first claim of a step that has begun wins; a step being stopped takes none (the runner then runs nothing). */
  private claim(step: RunnerStep, runnerId: string): void {
    if (step.runnerId !== undefined || step.stopRequested || this.gone.has(runnerId)) return;
    step.runnerId = runnerId;
    step.claimedAt = Date.now();
    step.lastHeartbeatAt = step.claimedAt;
  }
}

type Ending = 'exited' | 'lost' | 'timed-out';

/** Waits for the runner's exit, its silence (lost), or the deadline; a timer per silence window, not per heartbeat. */
async function until(step: RunnerStep, timeoutMs: number, deadline: number): Promise<Ending> {
  for (;;) {
    if (step.exit !== undefined) return 'exited';
    const now = Date.now();
    const lostAt = step.lastHeartbeatAt + timeoutMs;
    if (now >= lostAt) return 'lost';
    if (now >= deadline) return 'timed-out';
    await condition(() => step.exit !== undefined, Math.min(lostAt, deadline) - now);
  }
}

/** Asks the runner to stop its command and waits until it has (or is lost): the turn is never given back before. */
async function stopRunner(step: RunnerStep, timeoutMs: number): Promise<void> {
  step.stopRequested = true;
  if (step.runnerId === undefined) return;
  await CancellationScope.nonCancellable(() => until(step, timeoutMs, Infinity));
}

async function deployOnRunner(link: RunnerLink, settings: EnvironmentSettings): Promise<Record<string, never>> {
  const timeoutMs = settings.runnerHeartbeatTimeoutMs;
  const step = link.begin();
  let ending: Ending;
  try {
    ending = await until(step, timeoutMs, step.startedAt + settings.deployTimeoutMs);
  } catch (err) {
    // Cancelled or revoked: the command stops first, then the cancellation goes on to the clean-up.
    if (isCancellation(err)) await stopRunner(step, timeoutMs);
    throw err;
  }
  if (ending === 'timed-out') {
    await stopRunner(step, timeoutMs);
    throw ApplicationFailure.nonRetryable(
      `the command on the runner ran longer than the deploy timeout (${formatDuration(settings.deployTimeoutMs)}) ` +
        'and was stopped',
      FAILURE.deployTimedOut,
    );
  }
  if (ending === 'lost') {
    const what = step.runnerId === undefined ? 'no runner took the turn' : 'the runner stopped heartbeating';
    throw ApplicationFailure.nonRetryable(
      `runner lost: ${what} for ${formatDuration(timeoutMs)} (runnerHeartbeatTimeout); the turn goes on without it`,
      FAILURE.runnerLost,
    );
  }
  const exit = step.exit;
  if (exit?.exitCode === 0) return {};
  const how = exit?.signal ? `was killed by ${exit.signal}` : `exited with code ${exit?.exitCode ?? 'unknown'}`;
  const tail = exit?.lastOutput ? ` (last output: ${exit.lastOutput})` : '';
  throw ApplicationFailure.create({
    message: `the command on the runner ${how}${tail}`,
    type: FAILURE.deployCommandFailed,
    nonRetryable: true,
    details: [{ exitCode: exit?.exitCode ?? null, signal: exit?.signal ?? null }],
  });
}

/** The deploy step of a deployment requested by deployctl run, whatever its environment's deploy kind. */
export function runnerDeployer(link: RunnerLink): Deployer<DeploySettings> {
  return {
    requestProblem: (input) =>
      input.assembly === undefined ? undefined : 'a runner-side deploy takes no cloud assembly: leave out --assembly',
    deploy: (settings) => deployOnRunner(link, settings),
  };
}

/** Environments whose deploy is `{"type": "runner"}` take only runner-side deploys. */
export const runnerOnlyDeployer: Deployer<RunnerDeploySettings> = {
  requestProblem: (_input, environment) =>
    `environment ${environment} deploys on the CI runner only: use deployctl run (or the action's mode: run)`,
  // (Never reached: every request is refused before it queues. A failure, not a thrown Error, should that change.)
  deploy: () => Promise.reject(ApplicationFailure.nonRetryable('deploys on the CI runner only', FAILURE.badRequest)),
};
