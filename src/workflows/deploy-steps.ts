// A deployment's steps, in order: resolve its environment, queue for the turn, wait, run the deploy step (watching the
// stack where there is one). Each clean-up is registered as it becomes needed, so that it always runs.
import { ApplicationFailure, condition, log, patched } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  type DeploymentInput,
  type DeploySession,
  type EnvironmentSettings,
  FAILURE,
  type NoticeKind,
  type PromotionRule,
  REQUESTED_BY,
  type ResolvedRequest,
  STACK_NAME,
  type StackProgress,
} from '../contract';
import { githubTarget } from '../domain/github-target';
import { noticeRoute } from '../domain/notice-route';
import { present } from '../domain/present';
import { promotableRefProblem, soakWords } from '../domain/promotion';
import { bookkeeping } from './activity-options';
import { recordAccessRefused } from './metrics';
import type { Compensation } from './compensation';
import { bake, freezeFor, heldTooLongWords, waitWhileAlarming } from './bake';
import { deployerFor } from './deployers';
import type { RunnerLink } from './deployers/runner';
import { type DeploymentRun, failureOf } from './deployment-run';
import type { Notifier } from './notifier';
import { PATCHES } from './patches';
import { deployWatchingStack, leaveStackStable, type StackWatch, waitForStableStack } from './stack-watch';
import { giveBackTurn, releaseAndAsk, revokeWaitMs } from './turn';

export interface DeploySteps {
  run: DeploymentRun;
  input: DeploymentInput;
  notifier: Notifier;
  notify(kind: NoticeKind, detail?: string): void;
  compensation: Compensation;
  runner: RunnerLink | undefined;
  /** Search attributes to set with the next status. */
  upsert(pairs: SearchAttributeUpdatePair[]): void;
  /** The request names a GitHub repository, and this code (patch github-deployments) shows it there. */
  showOnGitHub: boolean;
  /** This code (patch bake) bakes where the environment has a bake. */
  bakes: boolean;
}

export async function deploySteps(steps: DeploySteps): Promise<void> {
  const { run, input, notify, compensation } = steps;
  const { state } = run;
  // Registered before any step: a workflow task lost with its worker may have run the request for the turn (local
  // activities act before their task completes) on a path the next attempt leaves, when a cancel came in between.
  const fromTheStart = patched(PATCHES.withdrawFromTheStart.id);
  let unknownEnvironment = false;
  if (fromTheStart) compensation.always('give the turn back', () => (unknownEnvironment ? none() : giveBack(run)));
  const { settings, access } = await resolve(input, state.workflowId).catch((err: unknown) => {
    unknownEnvironment = failureOf(err).type === FAILURE.unknownEnvironment;
    throw err;
  });
  state.settings = settings;
  state.stackName = settings.stackName;
  const route = noticeRoute(settings);
  steps.notifier.configure(settings.notifyTimeoutMs, route);
  const baking = settings.bake && steps.bakes ? { ...settings, bake: settings.bake } : undefined;
  // A rollback queued by a bake alarm that does not deploy (refused, failed, timed out) leaves the environment frozen
  // for a person; its own bake's alarm has frozen it already. Registered after the turn's give-back: it runs before.
  const afterAlarm = input.rollback?.afterBakeAlarm;
  if (baking && afterAlarm !== undefined) {
    compensation.unlessSucceeded('freeze after a failed rollback', () =>
      state.bake?.alarm || ['succeeded', 'cancelled', 'revoked'].includes(state.status)
        ? Promise.resolve()
        : freezeFor(
            baking,
            `rollback ${state.correlationId} after alarm ${afterAlarm} ${state.status}: ${state.error ?? state.reason ?? ''}`,
          ),
    );
  }
  steps.upsert([{ key: STACK_NAME, value: settings.stackName }]);
  if (!access.admitted) {
    recordAccessRefused(input.environment, access.check);
    return run.refuseNow(`access denied (${access.check}): ${access.reason}`, FAILURE.accessDenied);
  }
  if (access.requester) {
    run.admitted(access.requester);
    if (access.requester.verified) steps.upsert([{ key: REQUESTED_BY, value: access.requester.name }]);
  }
  if (steps.showOnGitHub) {
    const github = githubTarget(input, settings, state.identity);
    if ('target' in github) steps.notifier.reportTo(github.target);
    else if (github.none !== 'not asked') log.info('No GitHub deployment', { why: github.none });
  }
  const deployer = deployerFor(settings, steps.runner);
  const refused = deployer.requestProblem(input, input.environment);
  if (refused !== undefined) throw ApplicationFailure.nonRetryable(refused, FAILURE.badRequest);
  const changeSet = deployer.changeSet?.(input);
  if (changeSet !== undefined) state.changeSet = changeSet;
  const override = freezeOverride(run, input, settings);
  if (override === null) return;
  // A rollback repeats what already ran here: promotion has nothing to add.
  const promotion = input.rollback ? undefined : settings.promotion;
  if (promotion && !(await promotionAllows(run, promotion, input.ref, 'request'))) return;
  if (settings.approvals) run.needsApproval(settings.approvals);

  run.queued();
  if (!fromTheStart) compensation.always('give the turn back', () => giveBack(run));
  await bookkeeping.requestTurn({
    environment: input.environment,
    request: {
      workflowId: state.workflowId,
      runId: run.runId,
      correlationId: input.correlationId,
      stackName: settings.stackName,
      priority: input.priority,
      requestedAt: state.requestedAt,
      queueMode: settings.queueMode,
      livenessCheckIntervalMs: settings.livenessCheckIntervalMs,
      ...present({ idleLockTimeoutMs: settings.idleLockTimeoutMs }),
      expectedDurationMs: settings.expectedDurationMs,
      revokeWaitMs: revokeWaitMs(settings, steps.runner !== undefined),
      notices: route,
      ...present({ calendar: settings.calendar, override, notBefore: input.notBefore }),
      ...present({ soakUntil: state.soakUntil, approval: run.approvalForLock() }),
    },
  });
  run.turnRequested = true;
  notify('queued');
  const waitMs = input.waitTimeoutMs ?? settings.lockWaitTimeoutMs;
  if (!(await waitForTurn(run, waitMs, input.detached === true))) return run.gaveUpWaiting(waitMs);
  // A rollback is the cure for an alarm, not something it should hold back.
  if (baking && !input.rollback) {
    const alarm = await waitWhileAlarming(run, baking, (state.queuedAt ?? state.requestedAt) + waitMs);
    if (alarm) return run.gaveUpWaiting(waitMs, heldTooLongWords(input.environment, waitMs, alarm));
  }
  // Checked again now that the turn has come: a failure upstream since the request refuses it.
  if (promotion && !(await promotionAllows(run, promotion, input.ref, 'turn'))) return;
  run.deploying();
  notify('started');
  const undo = deployer.compensation;
  if (undo) compensation.unlessSucceeded(undo.what, () => undo.run(settings, input));
  const deployStep = async () => {
    const outcome = await deployer.deploy(settings, settings.deploy, input, deploySession(run, input));
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
    const watched = await deployWatchingStack(watch, deployStep);
    if (watched.step.noChanges) state.noChanges = true;
    if (Object.keys(watched.outputs).length > 0) state.outputs = watched.outputs;
  } else {
    await deployStep();
  }
  if (baking) await bake(run, baking, input);
  run.setStatus('succeeded');
}

/**
 * The request's leave to deploy through a closed environment, if it asks for one; null when it asks where its
 * environment allows none (it is refused, nothing queued).
 */
function freezeOverride(run: DeploymentRun, input: DeploymentInput, settings: EnvironmentSettings) {
  if (input.overrideFreeze === undefined) return undefined;
  if (settings.allowFreezeOverride !== true) {
    run.refuseNow(`${input.environment} allows no freeze override (its config would need "allowFreezeOverride": true)`);
    return null;
  }
  const override = { reason: input.overrideFreeze.reason, ...present({ by: input.requestedBy }) };
  run.state.freezeOverride = override;
  return override;
}

/**
 * Promotion: whether the ref may go on. At the request, a ref still soaking waits (the lock grants no turn before its
 * soak ends); when the turn comes it must be ready. Refused (nothing deployed) otherwise, saying why.
 */
async function promotionAllows(
  run: DeploymentRun,
  rule: PromotionRule,
  ref: string | undefined,
  when: 'request' | 'turn',
): Promise<boolean> {
  const problem = promotableRefProblem(ref, run.state.environment);
  if (problem !== undefined) {
    run.refuseNow(problem, FAILURE.notPromoted);
    return false;
  }
  const verdict = await bookkeeping.checkPromotion({ rule, ref: ref!, at: Date.now() });
  if (verdict.kind === 'refused' || (verdict.kind === 'soaking' && when === 'turn')) {
    const reason =
      verdict.kind === 'refused' ? verdict.reason : `${ref} ${soakWords(verdict.readyAt, Date.now(), rule.from)}`;
    run.refuseNow(`not promoted: ${reason}`, FAILURE.notPromoted);
    return false;
  }
  if (verdict.kind === 'soaking') run.soaking(verdict.readyAt);
  else run.promoted(verdict.evidence);
  return true;
}

/** Waits for the turn until the deadline, which a closed environment may move (detached) or end (refused). */
async function waitForTurn(run: DeploymentRun, waitMs: number, detached: boolean): Promise<boolean> {
  run.startWaiting(waitMs, detached);
  for (;;) {
    const deadline = run.waitDeadline;
    const moved = () => run.leaseId !== undefined || run.waitDeadline !== deadline;
    if (deadline === undefined) await condition(moved);
    else if (!(await condition(moved, Math.max(1, deadline - Date.now())))) return false;
    if (run.leaseId !== undefined) return true;
  }
}

/**
 * Gives the turn back (or withdraws from the queue), then settles whether a force-release crossed it. The release
 * goes from a local activity that also asks the lock for its answer; by signal when that activity cannot send it.
 */
async function giveBack(run: DeploymentRun): Promise<void> {
  const { state, leaseId } = run;
  run.finishing();
  const asked = leaseId === undefined ? undefined : await releaseAndAsk(state.environment, leaseId, state);
  if (asked === undefined) await giveBackTurn(state.environment, state.workflowId, leaseId, state);
  run.released(asked?.lock === 'answered' ? asked : undefined);
}

const none = async () => undefined;

/** Who the deploy step acts for, as the deployment established it. */
function deploySession({ state }: DeploymentRun, input: DeploymentInput): DeploySession {
  const { identity } = state;
  return {
    environment: state.environment,
    correlationId: state.correlationId,
    verified: identity !== undefined,
    ...present({ requester: state.requestedBy, repository: identity?.repository, ref: identity?.ref ?? input.ref }),
  };
}

/** The environment's settings and who asks: verified and checked against its access rules since 1.3. */
function resolve(input: DeploymentInput, workflowId: string): Promise<ResolvedRequest> {
  const asked = { environment: input.environment, stackName: input.stackName };
  if (patched(PATCHES.admission.id)) {
    const { ref, idToken, requestedBy: claimedBy } = input;
    return bookkeeping.resolveRequest({ workflowId, ...present({ ...asked, ref, idToken, claimedBy }) });
  }
  return bookkeeping.resolveEnvironment(present(asked)).then((settings) => ({ settings, access: { admitted: true } }));
}

function emptyProgress(): StackProgress {
  return { status: 'UNKNOWN', resources: {}, done: 0, inFlight: 0, failed: 0 };
}
