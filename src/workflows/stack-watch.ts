// CloudFormation around the deploy step: wait for a stable stack first, watch the stack while the step runs (poll
// interval, events deduplicated by id, stall detection), judge the outcome by the stack, and leave it stable.
// Progress lives in workflow state: a replacement worker resumes from the last event id the history recorded.
import { ApplicationFailure, CancellationScope, condition, patched, sleep } from '@temporalio/workflow';
import { type CloudFormationSettings, type EnvironmentSettings, FAILURE, type StackProgress } from '../contract';
import { requestToken } from '../domain/cloudformation-names';
import { formatDuration } from '../domain/durations';
import { applyEvents, stackFailure, stackPhase } from '../domain/stack-status';
import { stackTarget } from '../domain/stack-target';
import { stackCalls as cfn } from './activity-options';
import { recordStall } from './metrics';
import { PATCHES } from './patches';

const PROGRESS_LINE_EVERY_MS = 3 * 60_000;

export interface StackWatch {
  settings: EnvironmentSettings & { cloudformation: CloudFormationSettings };
  correlationId: string;
  onProgress(progress: StackProgress): void;
  notice(kind: 'progress' | 'stalled', detail: string): void;
}

function target(watch: StackWatch) {
  return stackTarget(watch.settings);
}

/** Preflight: the stack must not be changing when a deployment starts; waits for it until `deadline`. */
export async function waitForStableStack(watch: StackWatch, deadline: number): Promise<void> {
  const { stackName, cloudformation } = watch.settings;
  let said = false;
  for (;;) {
    const status = await cfn.stackStatus(target(watch));
    const phase = stackPhase(status);
    if (phase === 'rollback-failed') {
      if (!cloudformation.continueUpdateRollback) {
        throw ApplicationFailure.nonRetryable(
          `stack ${stackName} is UPDATE_ROLLBACK_FAILED: an operator must fix the resources that failed to roll back ` +
            'and run continue-update-rollback (or allow it: cloudformation.continueUpdateRollback)',
          FAILURE.stackNeedsOperator,
        );
      }
      watch.notice('progress', `${stackName} is UPDATE_ROLLBACK_FAILED: continuing the rollback`);
      await cfn.continueStackRollback({
        ...target(watch),
        clientRequestToken: requestToken(watch.correlationId, 'continue'),
      });
    } else if (phase !== 'in-progress') {
      return;
    }
    if (!said) {
      watch.notice(
        'progress',
        `Waiting for ${stackName} to settle first: it is ${status} (changed outside this deployment)`,
      );
      said = true;
    }
    if (Date.now() + cloudformation.pollIntervalMs > deadline) {
      throw ApplicationFailure.nonRetryable(
        `stack ${stackName} stayed ${status} until the lock wait timeout ran out`,
        FAILURE.stackBusy,
      );
    }
    await sleep(cloudformation.pollIntervalMs);
  }
}

export interface WatchedDeploy<T> {
  progress: StackProgress;
  /** The stack's outputs when the watch ended. */
  outputs: Record<string, string>;
  step: T;
}

/** Runs the deploy step while watching the stack; fails the deployment when the stack ends failed or rolled back. */
export async function deployWatchingStack<T>(watch: StackWatch, runStep: () => Promise<T>): Promise<WatchedDeploy<T>> {
  const { stackName, cloudformation } = watch.settings;
  const baseline = await cfn.newestStackEvent(target(watch));
  let progress: StackProgress = {
    status: 'UNKNOWN',
    resources: {},
    done: 0,
    inFlight: 0,
    failed: 0,
    ...(baseline ? { lastEventId: baseline } : {}),
  };
  let stepDone = false;
  let stepError: unknown;
  let step: T | undefined;
  let outputs: Record<string, string> | undefined;
  void runStep().then(
    (result) => {
      step = result;
      stepDone = true;
    },
    (err: unknown) => {
      stepDone = true;
      stepError = err;
    },
  );
  let changed = false;
  let lastEventAt = Date.now();
  let lastStallNoticeAt = 0;
  let lastProgressLineAt = Date.now();
  let stallCancelled = false;
  let polledAfterStep = false;
  try {
    for (;;) {
      // Poll at once when the step ends, then every interval: a step that returns early (cdk's execute) must not
      // turn the watch into back-to-back polling.
      if (polledAfterStep) await sleep(cloudformation.pollIntervalMs);
      else await condition(() => stepDone, cloudformation.pollIntervalMs);
      polledAfterStep = stepDone;
      const poll = await cfn.pollStack({
        ...target(watch),
        ...(progress.lastEventId ? { sinceEventId: progress.lastEventId } : {}),
      });
      const before = progress;
      outputs = poll.outputs;
      progress = applyEvents({ ...progress, status: poll.status ?? 'ABSENT' }, stackName, poll.events);
      watch.onProgress(progress);
      if (poll.events.length > 0) {
        changed = true;
        lastEventAt = Date.now();
        if (progress.firstFailure && !before.firstFailure) {
          const { resource, status, reason } = progress.firstFailure;
          watch.notice('progress', `${resource} ${status}: ${reason}`);
        }
      }
      const phase = stackPhase(poll.status);
      if (phase === 'in-progress') {
        const quietMs = Date.now() - lastEventAt;
        if (
          quietMs >= cloudformation.stallThresholdMs &&
          Date.now() - lastStallNoticeAt >= cloudformation.stallThresholdMs
        ) {
          lastStallNoticeAt = Date.now();
          recordStall(watch.settings.environment);
          watch.notice(
            'stalled',
            `No stack events for ${formatDuration(quietMs)} while ${stackName} is ${poll.status}`,
          );
        }
        if (
          cloudformation.stallAction === 'cancel' &&
          !stallCancelled &&
          quietMs >= cloudformation.stallThresholdMs + cloudformation.stallCancelAfterMs
        ) {
          stallCancelled = await cfn.cancelStackUpdate({
            ...target(watch),
            clientRequestToken: requestToken(watch.correlationId, 'stall'),
          });
          if (stallCancelled) watch.notice('progress', `Cancelled the stalled update of ${stackName}`);
        }
        if (Date.now() - lastProgressLineAt >= PROGRESS_LINE_EVERY_MS) {
          lastProgressLineAt = Date.now();
          watch.notice(
            'progress',
            `${poll.status}: ${progress.done} resources done, ${progress.inFlight} in flight, ` +
              `${progress.failed} failed`,
          );
        }
      }
      // The poll that ends the watch must have begun after the step ended: one begun before may have read the stack
      // as it was before the step changed it (cdk's execute returns as the update starts). (Asked only then.)
      if (stepDone && phase !== 'in-progress' && (polledAfterStep || !patched(PATCHES.watchEndsAfterStep.id))) break;
    }
  } catch (err) {
    // Cancelled while watching: the deploy step must be gone before anyone compensates or releases.
    await CancellationScope.nonCancellable(() => condition(() => stepDone));
    throw err;
  }
  if (stepError !== undefined) throw stepError;
  const failure = stackFailure(stackName, progress, { changed, stallCancelled });
  if (failure !== undefined) throw ApplicationFailure.nonRetryable(failure, FAILURE.stackFailed);
  return { progress, outputs: outputs ?? {}, step: step as T };
}

/** Compensation: cancel an update still in progress and wait until the stack is stable again. */
export async function leaveStackStable(watch: StackWatch, onProgress?: (status: string) => void): Promise<void> {
  const { cloudformation } = watch.settings;
  const cancelled = await cfn.cancelStackUpdate({
    ...target(watch),
    clientRequestToken: requestToken(watch.correlationId, 'cancel'),
  });
  if (cancelled)
    watch.notice('progress', `Cancelled the update of ${watch.settings.stackName}; waiting for the rollback`);
  for (;;) {
    const status = await cfn.stackStatus(target(watch));
    onProgress?.(status ?? 'ABSENT');
    if (stackPhase(status) !== 'in-progress') return;
    await sleep(cloudformation.pollIntervalMs);
  }
}
