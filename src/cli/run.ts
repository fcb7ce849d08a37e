// deployctl run: a runner-side deploy. The request queues like any deployment; when its turn comes deployctl runs
// the command itself, here on the CI runner, heartbeating to the deployment while it runs, and reports its exit. The
// deployment does the rest as for any other (stack watch, clean-up, Slack) and gives the turn back.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { webUiLink } from '../connection/temporal-target';
import {
  cancelDeploymentSignal,
  DEFAULT_RUNNER_HEARTBEAT_TIMEOUT_MS,
  type DeploymentResult,
  type DeploymentState,
  FINAL_STATUSES,
  lockWorkflowId,
  runnerClaimSignal,
  type RunnerExit,
  runnerExitedSignal,
  runnerHeartbeatSignal,
  stateQuery,
} from '../contract';
import { formatDuration } from '../domain/durations';
import { runnerGivesUpAfterMs, runnerHeartbeatEveryMs, runnerKillGraceMs } from '../domain/runner-timing';
import { notRunnable } from '../process/supervisor';
import type { deployment } from '../workflows';
import { connectOrExit } from './connect';
import { deploymentRequest, type RequestOptions, startOrAttach } from './deployment-request';
import { EXIT, usageError } from './exit-codes';
import { endedAbnormally, progressOf } from './follow';
import { exitCodeForInterrupt, type Interrupt, type InterruptWatch, watchInterrupts } from './interruption';
import { reportOutcome } from './report';
import { startRunnerCommand } from './runner-command';

export interface RunOptions extends Omit<RequestOptions, 'assembly' | 'runner'> {
  json?: boolean;
}

type Deployment = WorkflowHandle<typeof deployment>;

/** How often a runner whose deployment holds the turn looks whether it was asked to stop its command. */
const STOP_CHECK_EVERY_MS = 500;
/** How long an interrupted deployctl run waits to see the turn given back: CI kills it a few seconds later. */
const INTERRUPT_REPORT_MS = 3000;

const say = (line: string) => process.stderr.write(`${line}\n`);

/** The command, checked before anything is requested: a runner that cannot run it must not take a turn. */
function checkCommand(argv: string[]): [string, ...string[]] {
  const [program, ...args] = argv;
  if (program === undefined || program === '') throw usageError('give the deploy command to run after --');
  const problem = notRunnable(program, process.cwd(), process.env.PATH);
  if (problem !== undefined) {
    const why = problem === 'ENOENT' ? 'not found' : 'not executable';
    throw usageError(`cannot run ${JSON.stringify(program)}: ${why} (${problem})`);
  }
  return [program, ...args];
}

export async function runCommand(argv: string[], options: RunOptions): Promise<number> {
  const command = checkCommand(argv);
  const request = deploymentRequest({ ...options, runner: true });
  const { correlationId } = request.input;

  const interrupts = watchInterrupts();
  const { client, namespace, close } = await connectOrExit();
  try {
    const early = interrupts.received();
    if (early !== undefined) {
      say(`${correlationId}: ${early} before the deployment was requested; nothing requested`);
      return exitCodeForInterrupt(early);
    }
    const handle = await startOrAttach(client, request, say);
    const link = webUiLink(namespace, request.workflowId);
    const ended = handle.result().catch((err: unknown) => endedAbnormally(handle.workflowId, options.env, err));
    ended.catch(() => undefined); // (awaited below; a connection error surfaces there)

    const turn = await Promise.race([
      waitForStep(client, handle, options.env, ended),
      interrupts.interrupted.then((signal) => ({ signal })),
    ]);
    if ('signal' in turn) return await interruptedWaiting(handle, correlationId, turn.signal, ended);
    if ('result' in turn) return reportOutcome(turn.result, link, options.json);

    const runnerId = `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
    await handle.signal(runnerClaimSignal, { runnerId });
    const claimed = await handle.query(stateQuery);
    if (claimed.runner?.runnerId !== runnerId) {
      const other = claimed.runner?.runnerId;
      say(
        `${correlationId}: ${other ? `another runner (${other}) runs its command` : 'it is being stopped'}; following it`,
      );
      return reportOutcome(await ended, link, options.json);
    }

    const ran = await runClaimed(client, handle, runnerId, claimed, command, interrupts, ended, options.json);
    if (ran.stoppedBy === 'SIGINT' || ran.stoppedBy === 'SIGTERM') {
      const result = await Promise.race([ended, sleep(INTERRUPT_REPORT_MS).then(() => undefined)]);
      say(
        result
          ? `${correlationId}: ${ran.stoppedBy}: stopped the command; the deployment ended ${result.status} and gave the turn back`
          : `${correlationId}: ${ran.stoppedBy}: stopped the command and asked to cancel the deployment`,
      );
      return exitCodeForInterrupt(ran.stoppedBy);
    }
    if (ran.stoppedBy === 'unreachable') {
      const timeoutMs = runnerTimeout(claimed);
      say(
        `${correlationId}: could not reach Temporal for ${formatDuration(runnerGivesUpAfterMs(timeoutMs))}: stopped ` +
          `the command so that it cannot overlap the next deployment (it will end as runner lost)`,
      );
      return EXIT.unavailable;
    }
    // The rest (stack watch, clean-up, the turn given back) is the deployment's; an interrupt now only stops following.
    const rest = await Promise.race([ended, interrupts.interrupted.then((signal) => ({ signal }))]);
    if ('signal' in rest) {
      say(
        `${correlationId}: ${rest.signal}: the command had ended; the deployment finishes without deployctl (${link})`,
      );
      return exitCodeForInterrupt(rest.signal);
    }
    return reportOutcome(rest, link, options.json);
  } finally {
    interrupts.stop();
    await close();
  }
}

function runnerTimeout(state: DeploymentState): number {
  return state.settings?.runnerHeartbeatTimeoutMs ?? DEFAULT_RUNNER_HEARTBEAT_TIMEOUT_MS;
}

/**
 * Waits until the deployment's step waits for its runner (or the deployment ends first), with progress lines. It looks
 * every second, and every tenth of one once it is next in line, so the command starts soon after the turn comes.
 */
async function waitForStep(
  client: Client,
  handle: Deployment,
  environment: string,
  ended: Promise<DeploymentResult>,
): Promise<{ state: DeploymentState } | { result: DeploymentResult }> {
  let result: DeploymentResult | undefined;
  ended.then((r) => (result = r)).catch(() => undefined);
  const lock = client.workflow.getHandle(lockWorkflowId(environment));
  let last = '';
  let progressDue = 0;
  let soon = false;
  for (;;) {
    if (result) return { result };
    const state = await handle.query(stateQuery).catch(() => undefined);
    if (state?.runner) return { state };
    if (state && FINAL_STATUSES.includes(state.status)) return { result: await ended };
    if (Date.now() >= progressDue) {
      const progress = await progressOf(handle, lock).catch(() => undefined);
      if (progress !== undefined && progress.line !== last) {
        say(progress.line);
        last = progress.line;
      }
      soon = progress?.next === true || state?.status === 'deploying';
      progressDue = Date.now() + 1000;
    }
    await Promise.race([ended.catch(() => undefined), sleep(soon ? 100 : 1000)]);
  }
}

/** A runner interrupted before its command ran: the deployment cannot run without it, so it is cancelled. */
async function interruptedWaiting(
  handle: Deployment,
  id: string,
  signal: Interrupt,
  ended: Promise<DeploymentResult>,
): Promise<number> {
  await handle.signal(cancelDeploymentSignal, {
    reason: `deployctl run interrupted (${signal}) before its command ran`,
  });
  const result = await Promise.race([ended, sleep(INTERRUPT_REPORT_MS).then(() => undefined)]);
  say(`${id}: ${signal}: ${result ? `the deployment ended ${result.status}` : 'asked to cancel the deployment'}`);
  return exitCodeForInterrupt(signal);
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
  interrupts: InterruptWatch,
  ended: Promise<DeploymentResult>,
  json: boolean | undefined,
): Promise<{ exit: RunnerExit; stoppedBy?: StoppedBy }> {
  const timeoutMs = runnerTimeout(state);
  const everyMs = runnerHeartbeatEveryMs(timeoutMs);
  const giveUpMs = runnerGivesUpAfterMs(timeoutMs);
  const withDeadline = <T>(ms: number, call: () => Promise<T>) => client.connection.withDeadline(Date.now() + ms, call);
  say(`${state.correlationId}: holds the turn; running ${argv.join(' ')}`);
  const command = startRunnerCommand({
    argv,
    environment: {
      CORRELATION_ID: state.correlationId,
      DEPLOY_ENVIRONMENT: state.environment,
      STACK_NAME: state.stackName ?? '',
      DEPLOY_REF: state.ref ?? '',
    },
    killGracePeriodMs: runnerKillGraceMs(timeoutMs),
    stdout: json ? process.stderr : process.stdout,
    stderr: process.stderr,
  });

  let stoppedBy: StoppedBy | undefined;
  let cancelSent: Promise<unknown> = Promise.resolve();
  const stop = (why: StoppedBy) => {
    stoppedBy ??= why;
    command.stop();
  };
  let running = true;
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
  void (async () => {
    while (await pause(STOP_CHECK_EVERY_MS)) {
      if (Date.now() - lastReached > giveUpMs) stop('unreachable');
      const now = await withDeadline(STOP_CHECK_EVERY_MS * 2, () => handle.query(stateQuery)).catch(() => undefined);
      if (now?.runner?.stopRequested || (now && FINAL_STATUSES.includes(now.status))) stop('asked');
    }
  })();
  void interrupts.interrupted.then((signal) => {
    if (!running) return;
    // The cancel goes first, so that the deployment reads the command's exit as the stop it is.
    cancelSent = handle
      .signal(cancelDeploymentSignal, { reason: `deployctl run interrupted (${signal})` })
      .catch(() => undefined);
    stop(signal);
  });
  // Ended without its runner (terminated from outside): nothing may go on in its name.
  void ended.then(() => running && stop('ended')).catch(() => undefined);

  const exit = await command.exited;
  running = false;
  done.abort();
  await cancelSent;
  // Unreachable already: one short try, since the deployment takes the runner as lost anyway.
  const told = await tellExit(handle, runnerId, exit, stoppedBy === 'unreachable' ? 0 : giveUpMs, withDeadline);
  if (!told)
    say(`${state.correlationId}: could not report the command's exit; the deployment will take the runner as lost`);
  return { exit, ...(stoppedBy === undefined ? {} : { stoppedBy }) };
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
    } catch {
      if (Date.now() > deadline) return false;
      await sleep(500);
    }
  }
}
