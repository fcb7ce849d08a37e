// One workflow per deployment request: wait for the environment's turn, deploy, and always give the turn back.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
  getExternalWorkflowHandle,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { formatDuration } from '../domain/durations';
import { lockWorkflowId, nameProblem } from '../contract/names';
import type { EnvironmentSettings } from '../contract/settings';
import type { StackProgress } from '../contract';
import { assemblyProblem } from '../domain/assembly-location';
import { changeSetName } from '../domain/cloudformation-names';
import { discardChangeSet, runDeployStep } from './deploy-step';
import { deployWatchingStack, leaveStackStable, type StackWatch, waitForStableStack } from './stack-watch';
import { DEFAULT_NOTIFY_TIMEOUT_MS, Notifier, NOTIFICATIONS_PATCH } from './notifier';
import { RELEASE_ACK_PATCH } from './environment-lock';
import { resultOf } from '../domain/result';
import {
  cancelDeploymentSignal,
  CORRELATION_ID,
  DEPLOYMENT_ENVIRONMENT,
  DEPLOYMENT_STATUS,
  type DeploymentInput,
  type DeploymentResult,
  type DeploymentState,
  type DeploymentStatus,
  grantedSignal,
  type NoticeKind,
  releaseAcknowledgedSignal,
  releaseTurnSignal,
  revokedSignal,
  STACK_NAME,
  stateQuery,
  supersededSignal,
  withdrawSignal,
} from '../contract';

/** Time for a revoked deployment's clean-up and release, beyond the stop of its deploy step. */
const REVOKE_WAIT_MARGIN_MS = 30_000;
/** The lock answers a release within a workflow task or two; a lock that does not is not waited for. */
const RELEASE_ACK_WAIT_MS = 10_000;

const { resolveEnvironment, requestTurn } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 20 },
});

function inputProblem(input: DeploymentInput): string | undefined {
  return (
    nameProblem('environment', input.environment) ??
    nameProblem('correlation ID', input.correlationId) ??
    (input.stackName === undefined ? undefined : nameProblem('stack', input.stackName)) ??
    (input.assembly === undefined ? undefined : assemblyProblem(input.assembly))
  );
}

function errorMessage(err: unknown): string {
  if (err instanceof ActivityFailure) {
    // Activity failures wrap the real reason in `cause`.
    const cause = err.cause;
    if (cause instanceof TimeoutFailure && cause.timeoutType === 'HEARTBEAT') {
      return 'lost the worker running the deploy step (its heartbeat stopped); the deploy command was stopped with it';
    }
    return cause?.message ?? err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export async function deployment(input: DeploymentInput): Promise<DeploymentResult> {
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
    notificationsFailed: 0,
  };
  const notifier = new Notifier(DEFAULT_NOTIFY_TIMEOUT_MS, () => {
    state.notificationsFailed += 1;
  });
  const notify = (kind: NoticeKind, detail?: string) => {
    // Deployments recorded before notifications existed replay without them.
    if (!patched(NOTIFICATIONS_PATCH)) return;
    // The notice carries who and what, not the stack's resource map: each notice lands in the history.
    const { settings: _settings, notificationsFailed: _failed, stack: _stack, ...deployment } = state;
    notifier.send({ kind, deployment, ...(detail === undefined ? {} : { detail }) });
  };
  let leaseId: string | undefined;
  let releaseAck: { revokedReason?: string } | undefined;
  let endReason: { status: 'cancelled' | 'revoked' | 'superseded'; reason: string } | undefined;
  const work = new CancellationScope();

  const setStatus = (status: DeploymentStatus) => {
    state.status = status;
    upsertSearchAttributes([{ key: DEPLOYMENT_STATUS, value: status }]);
    const stack = state.stackName ?? '(stack pending)';
    setCurrentDetails(`${status}: ${stack} → ${state.environment} (${state.correlationId})`);
  };
  const stop = (status: 'cancelled' | 'revoked' | 'superseded', reason: string) => {
    endReason ??= { status, reason };
    work.cancel();
  };

  setHandler(stateQuery, () => state);
  setHandler(grantedSignal, ({ leaseId: granted }) => {
    leaseId ??= granted;
  });
  setHandler(revokedSignal, ({ leaseId: revoked, reason }) => {
    if (leaseId !== undefined && leaseId !== revoked) return;
    leaseId ??= revoked;
    // The turn is gone whatever else was under way (a cancel, the step finishing): the outcome says revoked.
    endReason = { status: 'revoked', reason: `force-released: ${reason}` };
    work.cancel();
  });
  setHandler(releaseAcknowledgedSignal, ({ leaseId: acknowledged, revokedReason }) => {
    if (acknowledged === leaseId) releaseAck = revokedReason === undefined ? {} : { revokedReason };
  });
  setHandler(supersededSignal, ({ byWorkflowId }) => {
    if (leaseId !== undefined) return;
    stop('superseded', `superseded by ${byWorkflowId}`);
  });
  setHandler(cancelDeploymentSignal, ({ reason }) => stop('cancelled', reason));

  upsertSearchAttributes([
    { key: DEPLOYMENT_ENVIRONMENT, value: input.environment },
    { key: CORRELATION_ID, value: input.correlationId },
  ]);
  setStatus('pending');

  const problem = inputProblem(input);
  if (problem !== undefined) {
    state.error = problem;
    state.finishedAt = Date.now();
    setStatus('failed');
    notify('finished');
    const undelivered = await notifier.flush();
    state.notificationsFailed += undelivered;
    return resultOf(state);
  }

  let requested = false;
  let stackWatch: StackWatch | undefined;
  try {
    await work.run(async () => {
      const settings: EnvironmentSettings = await resolveEnvironment({
        environment: input.environment,
        ...(input.stackName === undefined ? {} : { stackName: input.stackName }),
      });
      state.settings = settings;
      state.stackName = settings.stackName;
      const deployStep = async () => {
        const outcome = await runDeployStep(settings, input);
        state.stepCompleted = true;
        return outcome;
      };
      notifier.configure(settings.notifyTimeoutMs, settings.notifyTo);
      upsertSearchAttributes([{ key: STACK_NAME, value: settings.stackName }]);
      if (settings.deploy.type === 'cdk') {
        if (input.assembly === undefined) {
          throw ApplicationFailure.nonRetryable(
            `environment ${input.environment} deploys a CDK cloud assembly: give one (deployctl deploy --assembly)`,
          );
        }
        state.changeSet = changeSetName(input.correlationId);
      } else if (input.assembly !== undefined) {
        throw ApplicationFailure.nonRetryable(
          `environment ${input.environment} deploys with a command, not a cloud assembly: leave out --assembly`,
        );
      }

      state.queuedAt = Date.now();
      setStatus('queued');
      requested = true;
      await requestTurn({
        environment: input.environment,
        request: {
          workflowId,
          correlationId: input.correlationId,
          stackName: settings.stackName,
          priority: input.priority,
          requestedAt: state.requestedAt,
          queueMode: settings.queueMode,
          livenessCheckIntervalMs: settings.livenessCheckIntervalMs,
          expectedDurationMs: settings.expectedDurationMs,
          revokeWaitMs: revokeWaitMs(settings),
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
      const { cloudformation } = settings;
      if (cloudformation) {
        stackWatch = {
          settings: { ...settings, cloudformation },
          correlationId: input.correlationId,
          onProgress: (progress) => (state.stack = progress),
          notice: (kind, detail) => notify(kind, detail),
        };
        await waitForStableStack(stackWatch, (state.queuedAt ?? state.requestedAt) + waitMs);
        const watched = await deployWatchingStack(stackWatch, () => deployStep());
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
      setStatus(end.status);
    } else {
      state.error = errorMessage(err);
      setStatus('failed');
    }
  } finally {
    // Runs even when the workflow itself is cancelled: the stack is left stable, then the environment is freed.
    const watch = stackWatch;
    if (watch && state.status !== 'succeeded') {
      await CancellationScope.nonCancellable(() =>
        leaveStackStable(watch, (status) => (state.stack = { ...(state.stack ?? emptyProgress()), status })),
      ).catch((err: unknown) => log.error('Could not leave the stack stable', { error: String(err) }));
    }
    const settings = state.settings;
    if (settings?.deploy.type === 'cdk' && state.status !== 'succeeded' && state.startedAt !== undefined) {
      await CancellationScope.nonCancellable(() => discardChangeSet(settings, input.correlationId)).catch(
        (err: unknown) => log.error('Could not delete the change set', { error: String(err) }),
      );
    }
    state.finishedAt = Date.now();
    if (requested) {
      const askForAnswer = leaseId !== undefined && patched(RELEASE_ACK_PATCH);
      const released = await CancellationScope.nonCancellable(() =>
        giveBackTurn(input.environment, workflowId, leaseId, state, askForAnswer),
      );
      if (released && askForAnswer) {
        // The lock's answer says whether a force-release crossed this release; never long, never forever.
        await CancellationScope.nonCancellable(() =>
          condition(() => releaseAck !== undefined || endReason?.status === 'revoked', RELEASE_ACK_WAIT_MS),
        );
      }
      if (releaseAck?.revokedReason !== undefined) {
        endReason ??= { status: 'revoked', reason: `force-released: ${releaseAck.revokedReason}` };
      }
      // Revoked means revoked, whatever the step did meanwhile (stepCompleted says whether it had finished): the
      // one place that decides it, however the revoke arrived.
      if (endReason?.status === 'revoked' && state.status !== 'revoked') {
        state.error = undefined;
        state.reason = endReason.reason;
        setStatus('revoked');
      }
    }
  }
  log.info('Deployment finished', { workflowId, status: state.status });
  // After the turn is given back: the next deployment does not wait for this news.
  notify('finished');
  // (Read after the await: failures counted while waiting must not be overwritten.)
  const undelivered = await CancellationScope.nonCancellable(() => notifier.flush());
  state.notificationsFailed += undelivered;
  return resultOf(state);
}

/** How long the lock should wait for this deployment to stop once revoked: the cancel's delivery, then the grace. */
function revokeWaitMs(settings: EnvironmentSettings): number {
  // (Settings recorded before the heartbeat timeout was configurable lack it: the default then.)
  const heartbeatTimeoutMs = settings.deploy.heartbeatTimeoutMs ?? 30_000;
  return heartbeatTimeoutMs + settings.deploy.killGracePeriodMs + REVOKE_WAIT_MARGIN_MS;
}

async function giveBackTurn(
  environment: string,
  workflowId: string,
  leaseId: string | undefined,
  state: DeploymentState,
  askForAnswer: boolean,
): Promise<boolean> {
  const lock = getExternalWorkflowHandle(lockWorkflowId(environment));
  try {
    if (leaseId !== undefined) {
      const durationMs = (state.finishedAt ?? 0) - (state.startedAt ?? state.finishedAt ?? 0);
      await lock.signal(releaseTurnSignal, { leaseId, durationMs, ...(askForAnswer ? { workflowId } : {}) });
    } else {
      await lock.signal(withdrawSignal, { workflowId });
    }
    return true;
  } catch (err) {
    // Without a lock workflow there is nothing to give back; its liveness check covers the rest.
    log.warn('Could not give the turn back', { workflowId, error: String(err) });
    return false;
  }
}

function emptyProgress(): StackProgress {
  return { status: 'UNKNOWN', resources: {}, done: 0, inFlight: 0, failed: 0 };
}
