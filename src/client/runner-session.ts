// A runner-side deploy as the runner lives it, for deployctl run and the action's run mode: wait for the step, claim
// it, run the command while heartbeating, stop it when asked, report its exit, and follow the deployment to its end.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { type Client, isGrpcServiceError, type WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import {
  cancelDeploymentSignal,
  DEFAULT_RUNNER_HEARTBEAT_TIMEOUT_MS,
  type DeploymentResult,
  type DeploymentState,
  FINAL_STATUSES,
  lockWorkflowId,
  runnerClaimSignal,
  runnerClaimUpdate,
  type RunnerExit,
  runnerExitedSignal,
  runnerHeartbeatSignal,
  stateQuery,
} from '../contract';
import { runnerGivesUpAfterMs, runnerHeartbeatEveryMs, runnerKillGraceMs } from '../domain/runner-timing';
import type { deployment } from '../workflows';
import { findCause } from '../domain/error-cause';
import { isUnavailable } from './connect';
import { isBusy } from './operator-message';
import { deploymentResult, progressOf, progressReporter } from './follow';
import type { Interrupt, InterruptWatch } from './interruption';
import { startRunnerCommand } from './runner-command';

type Deployment = WorkflowHandle<typeof deployment>;

/** How often a runner whose deployment holds the turn looks whether it was asked to stop its command. */
const STOP_CHECK_EVERY_MS = 500;
/** How long a waiting runner's look at its deployment may take before it looks again. */
const LOOK_DEADLINE_MS = 3000;
/** How often the runner checks how long it has been out of reach of Temporal. */
const FENCE_CHECK_EVERY_MS = 100;
/** How long an interrupted runner waits for its deployment to take the cancel before it stops the command anyway. */
const CANCEL_TAKEN_WITHIN_MS = 2000;
/** How long an interrupted runner waits to see the turn given back: CI kills it a few seconds later. */
const INTERRUPT_REPORT_MS = 3000;

export interface RunnerIo {
  /** Progress lines (deployctl's stderr, the action's log). */
  say(line: string): void;
  /** Where the command's stdout and stderr go. */
  stdout: Writable;
  stderr: Writable;
  interrupts: InterruptWatch;
  /** Called just before the command starts (the action closes its log group there). */
  onCommandStart?: () => void;
}

/** How a runner-side deploy ended for the runner. */
export type RunnerOutcome =
  /** The deployment ended (whoever ran the command); whom it waited behind, in order. */
  | { kind: 'ended'; result: DeploymentResult; waitedBehind: string[] }
  /** Interrupted: the command was stopped (or never started) and the deployment asked to cancel. */
  | { kind: 'interrupted'; signal: Interrupt; ranCommand: boolean; result?: DeploymentResult }
  /** Interrupted after the command had ended: the deployment finishes without the runner. */
  | { kind: 'left'; signal: Interrupt }
  /** Temporal was out of reach for half the heartbeat timeout: the command was stopped. */
  | { kind: 'unreachable'; afterMs: number };

/** Runs a requested runner-side deployment from the runner's side, to its end. */
export async function runOnRunner(
  client: Client,
  handle: Deployment,
  environment: string,
  argv: [string, ...string[]],
  io: RunnerIo,
): Promise<RunnerOutcome> {
  const ended = deploymentResult(handle, environment);
  ended.catch(() => undefined); // (awaited below; a connection error surfaces there)
  const reporter = progressReporter(io.say);
  const { waitedBehind } = reporter;

  const runnerId = `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
  const turn = await Promise.race([
    takeTurn({ client, handle, environment, ended, reporter }, runnerId),
    io.interrupts.interrupted.then((signal) => ({ signal })),
  ]);
  if ('signal' in turn) {
    // The deployment cannot run without its runner: cancelled, whether it still waits or was just granted.
    await handle.signal(cancelDeploymentSignal, {
      reason: `deployctl run interrupted (${turn.signal}) before its command ran`,
    });
    // A claim that landed with the turn (or lands later) is given back at once: the command never ran.
    await handle
      .signal(runnerExitedSignal, { runnerId, exitCode: null, signal: turn.signal, lastOutput: 'never started' })
      .catch(() => undefined);
    return { kind: 'interrupted', signal: turn.signal, ranCommand: false, ...(await shortly(ended)) };
  }
  if ('result' in turn) return { kind: 'ended', result: turn.result, waitedBehind };
  const claimed = turn.state;
  // Unanswered (no worker, or no server, for that long): the command never ran, and the deployment takes the runner
  // as lost, as it would a runner that had died.
  if ('unreachableAfterMs' in turn) return { kind: 'unreachable', afterMs: turn.unreachableAfterMs };
  if (claimed.runner?.runnerId !== runnerId) {
    const other = claimed.runner?.runnerId;
    io.say(`${claimed.correlationId}: ${other ? `another runner (${other}) runs its command` : 'it is being stopped'}`);
    return { kind: 'ended', result: await ended, waitedBehind };
  }

  const stoppedBy = await runClaimed(client, handle, runnerId, claimed, argv, ended, io);
  if (stoppedBy === 'SIGINT' || stoppedBy === 'SIGTERM') {
    return { kind: 'interrupted', signal: stoppedBy, ranCommand: true, ...(await shortly(ended)) };
  }
  if (stoppedBy === 'unreachable')
    return { kind: 'unreachable', afterMs: runnerGivesUpAfterMs(runnerTimeout(claimed)) };
  // The rest (stack watch, clean-up, the turn given back) is the deployment's; an interrupt now only stops following.
  const rest = await Promise.race([ended, io.interrupts.interrupted.then((signal) => ({ signal }))]);
  return 'signal' in rest ? { kind: 'left', signal: rest.signal } : { kind: 'ended', result: rest, waitedBehind };
}

/**
 * A query's answer, asked again through a short outage: a query waits for a worker, and times out while every worker
 * is restarting. Undefined if none came within `withinMs`.
 */
async function answered<T>(ask: () => Promise<T>, withinMs: number): Promise<T | undefined> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await ask();
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      if (Date.now() > deadline) return undefined;
      await sleep(500);
    }
  }
}

/** The result, if the deployment ends within the few seconds an interrupted runner has left. */
async function shortly(ended: Promise<DeploymentResult>): Promise<{ result?: DeploymentResult }> {
  const result = await Promise.race([ended, sleep(INTERRUPT_REPORT_MS).then(() => undefined)]).catch(() => undefined);
  return result ? { result } : {};
}

function runnerTimeout(state: DeploymentState): number {
  return state.settings?.runnerHeartbeatTimeoutMs ?? DEFAULT_RUNNER_HEARTBEAT_TIMEOUT_MS;
}

/** A runner waiting for its turn: where it asks, the deployment's outcome to come, where its progress lines go. */
interface Waiting {
  client: Client;
  handle: Deployment;
  environment: string;
  ended: Promise<DeploymentResult>;
  reporter: ReturnType<typeof progressReporter>;
}

type Turn =
  { state: DeploymentState } | { result: DeploymentResult } | { state: DeploymentState; unreachableAfterMs: number };

/**
 * Waits for the turn and claims it: by the deployment's runnerClaimTurn update, answered in the workflow task that opens
 * the step, so the command starts as the grant lands; meanwhile a look a second keeps the progress lines coming. A
 * server or worker that does not take the update (updates disabled, an older worker) is asked the old way instead:
 * looks every tenth of a second, then a claim by signal and a query that confirms it.
 */
async function takeTurn(waiting: Waiting, runnerId: string): Promise<Turn> {
  const { handle, ended } = waiting;
  const watching = new AbortController();
  const progress = waitForStep(waiting, watching.signal);
  progress.catch(() => undefined);
  const over = ended.then((result) => ({ result }));
  over.catch(() => undefined);
  try {
    for (;;) {
      const claim = handle.executeUpdate(runnerClaimUpdate, { args: [{ runnerId }] }).then(
        (state) => ({ state }),
        (err: unknown) => ({ err }),
      );
      const answer = await Promise.race([claim, over]);
      if ('result' in answer) return answer;
      if ('state' in answer) return answer.state.runner ? answer : await over;
      if (updateRefused(answer.err)) {
        watching.abort();
        return await claimBySignal(waiting, runnerId);
      }
      // (Busy for a moment, out of reach, or the deployment ended under it: asked again, unless it is over.)
      await Promise.race([sleep(isBusy(answer.err) ? 100 : 500), over.catch(() => undefined)]);
    }
  } finally {
    watching.abort();
  }
}

/** An update the server or the deployment's worker does not take: disabled, unknown to an older worker (not Busy). */
function updateRefused(err: unknown): boolean {
  if (err instanceof WorkflowUpdateFailedError) return !isBusy(err);
  const service = findCause(err, isGrpcServiceError);
  return (
    service !== undefined &&
    [status.UNIMPLEMENTED, status.PERMISSION_DENIED, status.FAILED_PRECONDITION].includes(service.code)
  );
}

/** The turn as runners took it before the update: look until the step opens, claim by signal, confirm by query. */
async function claimBySignal(waiting: Waiting, runnerId: string): Promise<Turn> {
  const { handle, ended } = waiting;
  const turn = await waitForStep(waiting);
  if (turn === undefined || 'result' in turn) return turn ?? { result: await ended };
  await handle.signal(runnerClaimSignal, { runnerId });
  const withinMs = runnerGivesUpAfterMs(runnerTimeout(turn.state));
  const claimed = await answered(() => handle.query(stateQuery), withinMs);
  return claimed === undefined ? { state: turn.state, unreachableAfterMs: withinMs } : { state: claimed };
}

/**
 * Waits until the deployment's step waits for its runner (or the deployment ends first), with progress lines. It looks
 * every second while others are ahead of it, then every tenth of one, so the command starts soon after the turn comes.
 * With `progressOnly`, only the progress lines: a look a second until aborted (the update notices the turn); then
 * undefined.
 */
async function waitForStep(
  { client, handle, environment, ended, reporter }: Waiting,
  progressOnly?: AbortSignal,
): Promise<{ state: DeploymentState } | { result: DeploymentResult } | undefined> {
  let result: DeploymentResult | undefined;
  ended.then((r) => (result = r)).catch(() => undefined);
  const lock = client.workflow.getHandle(lockWorkflowId(environment));
  let progressDue = 0;
  let soon = !progressOnly; // until the lock says it is further back
  let waiting = true;
  let lookingUp = false;
  let hurry = () => {}; // ends a slow pace's sleep once the lock says nobody else is ahead
  // The place in line comes from the lock, whose query can wait over a second while the lock hands a turn on: it is
  // asked beside the look at the deployment's own state, so that it never delays noticing the turn.
  const lookUpPlace = async (state: DeploymentState) => {
    lookingUp = true;
    const progress = await progressOf(state, lock).catch(() => undefined);
    lookingUp = false;
    if (!waiting) return;
    reporter.report(progress);
    // Fast unless known to be further back: between the lock's grant and the deployment hearing of it, it is in
    // neither the waiting list nor deploying, and that is exactly when the turn is about to start.
    const wasSoon = soon;
    soon = !progressOnly && !(progress?.position !== undefined && progress.position > 1);
    progressDue = Date.now() + 1000;
    if (soon && !wasSoon) hurry();
  };
  const aborted = new Promise<void>((resolve) => progressOnly?.addEventListener('abort', () => resolve()));
  try {
    for (;;) {
      if (result) return { result };
      // Bounded: a query sent while the server is away retries with a backoff of its own, past the moment it is back.
      const state = await client.connection
        .withDeadline(Date.now() + LOOK_DEADLINE_MS, () => handle.query(stateQuery))
        .catch(() => undefined);
      if (progressOnly?.aborted) return undefined;
      if (state?.runner && !progressOnly) return { state };
      if (state && FINAL_STATUSES.includes(state.status)) return { result: await ended };
      if (state && !lookingUp && Date.now() >= progressDue) void lookUpPlace(state);
      await Promise.race([
        ended.catch(() => undefined),
        sleep(soon ? 100 : 1000),
        new Promise<void>((resolve) => (hurry = resolve)),
        aborted,
      ]);
      if (progressOnly?.aborted) return undefined;
    }
  } finally {
    waiting = false;
  }
}

type StoppedBy = Interrupt | 'asked' | 'unreachable' | 'ended';

/**
 * Runs the command of a claimed step: heartbeats while it runs, stops it when the deployment asks (cancel, revoke),
 * when deployctl is interrupted, or when Temporal has been out of reach for half the heartbeat timeout (past that the
 * deployment may take the runner as lost and give the turn away); then tells the deployment how it exited.
 */
async function runClaimed(
  client: Client,
  handle: Deployment,
  runnerId: string,
  state: DeploymentState,
  argv: [string, ...string[]],
  ended: Promise<DeploymentResult>,
  { say, stdout, stderr, interrupts, onCommandStart }: RunnerIo,
): Promise<StoppedBy | undefined> {
  const timeoutMs = runnerTimeout(state);
  const everyMs = runnerHeartbeatEveryMs(timeoutMs);
  const giveUpMs = runnerGivesUpAfterMs(timeoutMs);
  const withDeadline = <T>(ms: number, call: () => Promise<T>) => client.connection.withDeadline(Date.now() + ms, call);
  say(`${state.correlationId}: holds the turn; running ${argv.join(' ')}`);
  onCommandStart?.();
  const command = startRunnerCommand({
    argv,
    environment: {
      CORRELATION_ID: state.correlationId,
      DEPLOY_ENVIRONMENT: state.environment,
      STACK_NAME: state.stackName ?? '',
      DEPLOY_REF: state.ref ?? '',
    },
    killGracePeriodMs: runnerKillGraceMs(timeoutMs),
    stdout,
    stderr,
  });

  let stoppedBy: StoppedBy | undefined;
  let cancelSent: Promise<unknown> = Promise.resolve();
  const stop = (why: StoppedBy) => {
    stoppedBy ??= why;
    command.stop();
  };
  // Aborted once the command has exited: every loop and handler below ends with it.
  const done = new AbortController();
  const pause = (ms: number) =>
    sleep(ms, undefined, { signal: done.signal }).then(
      () => true,
      () => false,
    );
  let lastReached = Date.now();
  void (async () => {
    while (await pause(everyMs)) {
      try {
        await withDeadline(everyMs, () => handle.signal(runnerHeartbeatSignal, { runnerId }));
        lastReached = Date.now();
      } catch {
        // Retried at the next beat; the check below stops the command if this goes on too long.
      }
    }
  })();
  // On a timer of its own, so that no call waiting on an unreachable server can delay it.
  const fence = setInterval(() => {
    if (Date.now() - lastReached > giveUpMs) stop('unreachable');
  }, FENCE_CHECK_EVERY_MS);
  void (async () => {
    while (await pause(STOP_CHECK_EVERY_MS)) {
      const now = await withDeadline(STOP_CHECK_EVERY_MS * 2, () => handle.query(stateQuery)).catch(() => undefined);
      if (now?.runner?.stopRequested || (now && FINAL_STATUSES.includes(now.status))) stop('asked');
    }
  })();
  void interrupts.interrupted.then(async (signal) => {
    if (done.signal.aborted) return;
    stoppedBy ??= signal;
    // The cancel goes first, and the look above stops the command once the deployment asks, having taken the cancel
    // (it asks the operator rules before): an exit that came sooner would read as the command failing, not as the
    // stop it is. Past CANCEL_TAKEN_WITHIN_MS, with no answer, it stops anyway: CI kills the runner soon after.
    cancelSent = handle
      .signal(cancelDeploymentSignal, { reason: `deployctl run interrupted (${signal})` })
      .catch(() => undefined);
    await cancelSent;
    if (await pause(CANCEL_TAKEN_WITHIN_MS)) stop(signal);
  });
  // Ended without its runner (terminated from outside): nothing may go on in its name.
  void ended.then(() => !done.signal.aborted && stop('ended')).catch(() => undefined);

  const exit = await command.exited;
  done.abort();
  clearInterval(fence);
  await cancelSent;
  // Unreachable already: one short try, since the deployment takes the runner as lost anyway.
  const told = await tellExit(handle, runnerId, exit, stoppedBy === 'unreachable' ? 0 : giveUpMs, withDeadline);
  if (!told)
    say(`${state.correlationId}: could not report the command's exit; the deployment will take the runner as lost`);
  return stoppedBy;
}

/** Tells the deployment how the command exited, retrying through a short outage (past that, it takes us as lost). */
async function tellExit(
  handle: Deployment,
  runnerId: string,
  exit: RunnerExit,
  withinMs: number,
  withDeadline: <T>(ms: number, call: () => Promise<T>) => Promise<T>,
): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      await withDeadline(5000, () => handle.signal(runnerExitedSignal, { runnerId, ...exit }));
      return true;
    } catch (err) {
      // (A deployment that has ended takes no more news: nothing to retry.)
      if (!isUnavailable(err) || Date.now() > deadline) return false;
      await sleep(500);
    }
  }
}
