// One workflow per deployment request: wait for the environment's turn, deploy, and always give the turn back.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  cancelDeploymentSignal,
  CORRELATION_ID,
  DEPLOYMENT_ENVIRONMENT,
  DEPLOYMENT_STATUS,
  type DeploymentInput,
  type DeploymentMemo,
  type DeploymentResult,
  type DeploymentState,
  type DeploymentStatus,
  type EnvironmentSettings,
  FAILURE,
  grantedSignal,
  nameProblem,
  type NoticeKind,
  releaseAcknowledgedSignal,
  revokedSignal,
  REQUESTED_BY,
  STACK_NAME,
  type StackProgress,
  stateQuery,
  supersededSignal,
  withdrawIfWaitingSignal,
} from '../contract';
import { assemblyProblem } from '../domain/assembly-location';
import { formatDuration } from '../domain/durations';
import { noticeRoute } from '../domain/notice-route';
import { resultOf } from '../domain/result';
import { bookkeeping, localBookkeeping } from './activity-options';
import { close } from './close';
import { recordUndelivered } from './metrics';
import { Compensation } from './compensation';
import { deployerFor } from './deploy-step';
import { RunnerLink } from './deployers/runner';
import { RELEASE_ACK_PATCH } from './environment-lock';
import { NOTIFICATIONS_PATCH, Notifier } from './notifier';
import { giveBackTurn, RELEASE_ACK_WAIT_MS, releaseAndAsk, revokeWaitMs } from './turn';
import { deployWatchingStack, leaveStackStable, type StackWatch, waitForStableStack } from './stack-watch';

/**
 * Deployments recorded from here on take every earlier patch as given (one marker where there were three: each patch
 * marker also upserts TemporalChangeVersion), upsert each task's search attributes together, and read their
 * settings and queue at the lock as local activities, in the first workflow task.
 */
export const LEAN_DEPLOYMENT_PATCH = 'lean-deployment';

/**
 * Deployments recorded from here on give the turn back from a local activity that also asks the lock for its answer,
 * instead of a release signal, the lock's answer by signal and a timer to wait for it: two workflow tasks and about
 * ten events less. They are lean deployments too, under this one marker.
 */
export const RELEASE_AND_ASK_PATCH = 'release-and-ask';

/** Deployments recorded before refs were checked took any ref. */
export const REF_CHECKED_PATCH = 'ref-checked';

/** A bad ref's problem; the patch marker is recorded only when a ref is refused, so good requests' histories stay as they were. */
function refProblem(ref: string | undefined): string | undefined {
  const problem = ref === undefined ? undefined : nameProblem('ref', ref);
  return problem !== undefined && patched(REF_CHECKED_PATCH) ? problem : undefined;
}

function inputProblem(input: DeploymentInput): string | undefined {
  return (
    nameProblem('environment', input.environment) ??
    nameProblem('correlation ID', input.correlationId) ??
    (input.stackName === undefined ? undefined : nameProblem('stack', input.stackName)) ??
    (input.assembly === undefined ? undefined : assemblyProblem(input.assembly)) ??
    (input.requestedBy === undefined ? undefined : nameProblem('actor', input.requestedBy)) ??
    refProblem(input.ref)
  );
}

/** What failed a deployment, in words, and its failure type when it has one (see contract/failure-types.ts). */
function failureOf(err: unknown): { message: string; type?: string } {
  // Activity failures wrap the real reason in `cause`.
  const failure = err instanceof ActivityFailure ? (err.cause ?? err) : err;
  if (failure instanceof TimeoutFailure && failure.timeoutType === 'HEARTBEAT') {
    return {
      message:
        'lost the worker running the deploy step (its heartbeat stopped); the deploy command was stopped with it',
      type: FAILURE.workerLost,
    };
  }
  const message = failure instanceof Error ? failure.message : String(failure);
  return failure instanceof ApplicationFailure && failure.type ? { message, type: failure.type } : { message };
}

export async function deployment(input: DeploymentInput): Promise<DeploymentResult> {
  const releasesAndAsks = patched(RELEASE_AND_ASK_PATCH);
  const lean = releasesAndAsks || patched(LEAN_DEPLOYMENT_PATCH);
  /** Whether an earlier patch applies: always, in a lean deployment. */
  const has = (patch: string) => lean || patched(patch);
  const { workflowId } = workflowInfo();
  const state: DeploymentState = {
    workflowId,
    environment: input.environment,
    correlationId: input.correlationId,
    ...(input.stackName === undefined ? {} : { stackName: input.stackName }),
    ...(input.ref === undefined ? {} : { ref: input.ref }),
    priority: input.priority,
    status: 'pending',
    requestedAt: Date.now(),
    ...(input.ciRunUrl === undefined ? {} : { ciRunUrl: input.ciRunUrl }),
    ...(input.assembly === undefined ? {} : { assembly: input.assembly }),
    ...(input.requestedBy === undefined ? {} : { requestedBy: input.requestedBy }),
    notificationsFailed: 0,
  };
  const notifier = new Notifier(() => {
    state.notificationsFailed += 1;
    recordUndelivered(input.environment, 1);
  });
  const notify = (kind: NoticeKind, detail?: string) => {
    // Deployments recorded before notifications existed replay without them.
    if (!has(NOTIFICATIONS_PATCH)) return;
    // The notice carries who and what, not the stack's resource map: each notice lands in the history.
    const { settings: _settings, notificationsFailed: _failed, stack: _stack, ...deployment } = state;
    notifier.send({ kind, deployment, ...(detail === undefined ? {} : { detail }) });
  };
  // Runner-side deploys: the runner's messages are taken from the start, so that none is ever dropped.
  const runner = input.runner ? new RunnerLink(state) : undefined;
  let leaseId: string | undefined;
  let releaseAck: { revokedReason?: string; revokedBy?: string } | undefined;
  let endReason: { status: 'cancelled' | 'revoked' | 'superseded'; reason: string; by?: string } | undefined;
  const work = new CancellationScope();

  /** Search attributes a lean deployment upserts with the next status, in the same command. */
  let withNextStatus: SearchAttributeUpdatePair[] = [];
  const upsert = (pairs: SearchAttributeUpdatePair[]) => {
    if (lean) withNextStatus.push(...pairs);
    else upsertSearchAttributes(pairs);
  };
  const setStatus = (status: DeploymentStatus) => {
    state.status = status;
    upsertSearchAttributes([...withNextStatus, { key: DEPLOYMENT_STATUS, value: status }]);
    withNextStatus = [];
    const stack = state.stackName ?? '(stack pending)';
    setCurrentDetails(`${status}: ${stack} → ${state.environment} (${state.correlationId})`);
  };
  const stop = (status: 'cancelled' | 'revoked' | 'superseded', reason: string, by?: string) => {
    endReason ??= { status, reason, ...(by === undefined ? {} : { by }) };
    work.cancel();
  };

  setHandler(stateQuery, () => state);
  // Signals of the lock name the run they are for: those of an earlier run, reapplied by a reset, are not this run's.
  const forOtherRun = (runId: string | undefined) => runId !== undefined && runId !== workflowInfo().runId;
  setHandler(grantedSignal, ({ leaseId: granted, runId }) => {
    if (forOtherRun(runId)) return;
    leaseId ??= granted;
  });
  setHandler(revokedSignal, ({ leaseId: revoked, reason, by, runId }) => {
    if (forOtherRun(runId)) return;
    if (leaseId !== undefined && leaseId !== revoked) return;
    leaseId ??= revoked;
    // The turn is gone whatever else was under way (a cancel, the step finishing): the outcome says revoked.
    endReason = { status: 'revoked', reason: `force-released: ${reason}`, ...(by === undefined ? {} : { by }) };
    work.cancel();
  });
  setHandler(releaseAcknowledgedSignal, ({ leaseId: acknowledged, revokedReason, revokedBy }) => {
    if (acknowledged === leaseId) {
      releaseAck = {
        ...(revokedReason === undefined ? {} : { revokedReason }),
        ...(revokedBy === undefined ? {} : { revokedBy }),
      };
    }
  });
  setHandler(supersededSignal, ({ byWorkflowId, runId }) => {
    if (forOtherRun(runId) || leaseId !== undefined) return;
    stop('superseded', `superseded by ${byWorkflowId}`);
  });
  setHandler(cancelDeploymentSignal, ({ reason, by }) => stop('cancelled', reason, by));
  setHandler(withdrawIfWaitingSignal, ({ reason }) => {
    // Decided here, where a grant that crossed the request is known: a deployment that holds the turn runs on.
    if (leaseId === undefined) stop('cancelled', reason);
  });

  upsert([
    { key: DEPLOYMENT_ENVIRONMENT, value: input.environment },
    { key: CORRELATION_ID, value: input.correlationId },
    // (A bad requester is refused below; the attribute takes only a valid one.)
    ...(state.requestedBy !== undefined && nameProblem('actor', state.requestedBy) === undefined
      ? [{ key: REQUESTED_BY, value: state.requestedBy }]
      : []),
  ]);
  setStatus('pending');

  const compensation = new Compensation();
  compensation.always('send the final notice', async () => {
    state.finishedAt ??= Date.now();
    log.info('Deployment finished', { workflowId, status: state.status });
    // Registered first, so it runs last: after the turn is given back, the next deployment does not wait for news.
    notify('finished');
    // (Read after the await: failures counted while waiting must not be overwritten.)
    const undelivered = await notifier.flush();
    state.notificationsFailed += undelivered;
    recordUndelivered(input.environment, undelivered);
  });

  const problem = inputProblem(input);
  if (problem !== undefined) {
    state.error = problem;
    state.errorType = FAILURE.badRequest;
    setStatus('failed');
    await compensation.run(() => false);
    return close(resultOf(state), memoOf(state), has);
  }

  try {
    await work.run(async () => {
      const calls = lean ? localBookkeeping : bookkeeping;
      const settings: EnvironmentSettings = await calls.resolveEnvironment({
        environment: input.environment,
        ...(input.stackName === undefined ? {} : { stackName: input.stackName }),
      });
      state.settings = settings;
      state.stackName = settings.stackName;
      const route = noticeRoute(settings);
      notifier.configure(settings.notifyTimeoutMs, route);
      upsert([{ key: STACK_NAME, value: settings.stackName }]);
      const deployer = deployerFor(settings, runner);
      const refused = deployer.requestProblem(input, input.environment);
      if (refused !== undefined) throw ApplicationFailure.nonRetryable(refused, FAILURE.badRequest);
      const changeSet = deployer.changeSet?.(input);
      if (changeSet !== undefined) state.changeSet = changeSet;

      state.queuedAt = Date.now();
      setStatus('queued');
      compensation.always('give the turn back', giveBack);
      await calls.requestTurn({
        environment: input.environment,
        request: {
          workflowId,
          runId: workflowInfo().runId,
          correlationId: input.correlationId,
          stackName: settings.stackName,
          priority: input.priority,
          requestedAt: state.requestedAt,
          queueMode: settings.queueMode,
          livenessCheckIntervalMs: settings.livenessCheckIntervalMs,
          expectedDurationMs: settings.expectedDurationMs,
          revokeWaitMs: revokeWaitMs(settings, runner !== undefined),
          ...(route ? { notices: route } : {}),
        },
      });
      notify('queued');
      const waitMs = input.waitTimeoutMs ?? settings.lockWaitTimeoutMs;
      if (!(await condition(() => leaseId !== undefined, waitMs))) {
        state.error = `gave up waiting for environment ${input.environment} after ${formatDuration(waitMs)}`;
        setStatus('timed-out');
        return;
      }
      state.leaseId = leaseId;
      state.startedAt = Date.now();
      setStatus('deploying');
      notify('started');
      const undo = deployer.compensation;
      if (undo) compensation.unlessSucceeded(undo.what, () => undo.run(settings, input));
      const deployStep = async () => {
        const outcome = await deployer.deploy(settings, settings.deploy, input);
        state.stepCompleted = true;
        return outcome;
      };
      const { cloudformation } = settings;
      if (cloudformation) {
        const watch: StackWatch = {
          settings: { ...settings, cloudformation },
          correlationId: input.correlationId,
          onProgress: (progress) => (state.stack = progress),
          notice: (kind, detail) => notify(kind, detail),
        };
        compensation.unlessSucceeded('leave the stack stable', () =>
          leaveStackStable(watch, (status) => (state.stack = { ...(state.stack ?? emptyProgress()), status })),
        );
        await waitForStableStack(watch, (state.queuedAt ?? state.requestedAt) + waitMs);
        const watched = await deployWatchingStack(watch, () => deployStep());
        if (watched.step.noChanges) state.noChanges = true;
        if (Object.keys(watched.outputs).length > 0) state.outputs = watched.outputs;
      } else {
        await deployStep();
      }
      setStatus('succeeded');
    });
  } catch (err) {
    // A step stopped because the deployment was cancelled may end as a failure of its own (its command killed):
    // a cancelled deployment is cancelled, whatever its step said last.
    if (isCancellation(err) || work.consideredCancelled) {
      const end = endReason ?? { status: 'cancelled' as const, reason: 'cancelled from the Web UI or API' };
      state.reason = end.reason;
      if (end.by !== undefined) state.stoppedBy = end.by;
      setStatus(end.status);
    } else {
      const failure = failureOf(err);
      state.error = failure.message;
      if (failure.type !== undefined) state.errorType = failure.type;
      setStatus('failed');
    }
  }
  // Runs even when the workflow itself is cancelled: the stack is left stable, then the environment is freed.
  await compensation.run(() => state.status === 'succeeded');
  return close(resultOf(state), memoOf(state), has);

  /** Gives the turn back (or withdraws from the queue), then settles whether a force-release crossed it. */
  async function giveBack(): Promise<void> {
    state.finishedAt ??= Date.now();
    const asked =
      releasesAndAsks && leaseId !== undefined ? await releaseAndAsk(input.environment, leaseId, state) : undefined;
    if (asked?.lock === 'answered') {
      const { lock: _lock, ...answer } = asked;
      releaseAck = answer;
    } else if (asked === undefined) {
      // (A release by signal after the local activity failed asks for no answer: a lock that took the first release
      // after all would answer this one as stale.)
      const askForAnswer = leaseId !== undefined && !releasesAndAsks && has(RELEASE_ACK_PATCH);
      const released = await giveBackTurn(input.environment, workflowId, leaseId, state, askForAnswer);
      if (released && askForAnswer) {
        // The lock's answer says whether a force-release crossed this release; never long, never forever.
        await condition(() => releaseAck !== undefined || endReason?.status === 'revoked', RELEASE_ACK_WAIT_MS);
      }
    }
    if (releaseAck?.revokedReason !== undefined) {
      const { revokedReason, revokedBy } = releaseAck;
      endReason ??= {
        status: 'revoked',
        reason: `force-released: ${revokedReason}`,
        ...(revokedBy === undefined ? {} : { by: revokedBy }),
      };
    }
    // Revoked means revoked, whatever the step did meanwhile (stepCompleted says whether it had finished): the
    // one place that decides it, however the revoke arrived.
    if (endReason?.status === 'revoked' && state.status !== 'revoked') {
      state.error = undefined;
      state.reason = endReason.reason;
      if (endReason.by !== undefined) state.stoppedBy = endReason.by;
      setStatus('revoked');
    }
  }
}

/** What `deployctl history` shows beside the result. */
function memoOf(state: DeploymentState): Omit<DeploymentMemo, 'result'> {
  return {
    ...(state.ref === undefined ? {} : { ref: state.ref }),
    ...(state.requestedBy === undefined ? {} : { requestedBy: state.requestedBy }),
    ...(state.ciRunUrl === undefined ? {} : { ciRunUrl: state.ciRunUrl }),
  };
}

function emptyProgress(): StackProgress {
  return { status: 'UNKNOWN', resources: {}, done: 0, inFlight: 0, failed: 0 };
}
