import { createInterface } from 'node:readline';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { cancelRequested } from './cancel-request';
import { secretRedactor } from '../process/redact-secrets';
import { LAST_OUTPUT_CHARS, notRunnable, startSupervised } from '../process/supervisor';
import { FAILURE } from '../contract';
import type { DrainSignals } from '../process/drain';
import { handedOver, workerStopped } from './worker-stopping';

export interface SupervisedProcess {
  /** argv: run without a shell, so nothing in it is interpreted. */
  argv: string[];
  cwd?: string;
  /** Added to the worker's own environment. */
  environment: Record<string, string>;
  /** Left out of the worker's environment: its own AWS credentials, where the step gets a role's. */
  withoutVariables?: readonly string[];
  /** Secrets beyond the environment's to mask in its output (a role's credentials as they are now). */
  secrets?: () => string[];
  killGracePeriodMs: number;
  /** What the process is, for messages: "deploy command", "cdk prepare". */
  what: string;
  /** Extra fields on every output line in the worker log. */
  logFields?: Record<string, string>;
  /** A failed run may be retried (the activity's retry policy decides): for steps that are safe to repeat. */
  retryable?: boolean;
  /** Safe to repeat on another worker: a draining worker stops it and hands it over instead of waiting for it. */
  movable?: boolean;
}

const HEARTBEAT_EVERY_MS = 1000;

/**
 * Runs a process of a deploy step inside an activity: output streamed to the worker log, heartbeats, cancellation.
 * It runs under a supervisor (see process/supervisor.ts) that stops its whole process group when the step is cancelled,
 * when it ends, or when the worker dies in any way, so a lost worker can never leave a deploy running beside the next
 * one. Resolves on exit code 0; else a failure that names the exit and the last line of output, non-retryable unless
 * the process is marked `retryable`. While the worker drains, a process runs on to its end (a `movable` one is handed
 * over); when the worker stops for good (a second signal, or the grace period ran out) it is stopped.
 */
export async function runSupervised(input: SupervisedProcess, client: Client, drain?: DrainSignals): Promise<void> {
  const context = Context.current();
  const [program, ...args] = input.argv;
  if (program === undefined)
    throw ApplicationFailure.nonRetryable(`the ${input.what} is empty`, FAILURE.deployCommandNotRunnable);
  const inherited = { ...process.env };
  for (const name of input.withoutVariables ?? []) delete inherited[name];
  const env = { ...inherited, ...input.environment };
  const cwd = input.cwd ?? process.cwd();
  const problem = notRunnable(program, cwd, env.PATH);
  if (problem !== undefined) {
    throw ApplicationFailure.nonRetryable(
      `cannot run ${input.what} ${JSON.stringify(program)}: ${problem}`,
      FAILURE.deployCommandNotRunnable,
    );
  }

  const { child, stopGroup } = startSupervised({
    argv: [program, ...args],
    cwd,
    env,
    killGracePeriodMs: input.killGracePeriodMs,
  });
  let lastOutput = '';
  const redact = secretRedactor(env, input.secrets);
  for (const [name, stream] of [
    ['stdout', child.stdout],
    ['stderr', child.stderr],
  ] as const) {
    createInterface({ input: stream }).on('line', (raw) => {
      const line = redact(raw);
      context.log.info(line, { stream: name, ...input.logFields });
      if (line.trim() !== '') lastOutput = line.slice(0, LAST_OUTPUT_CHARS);
    });
  }

  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const closed = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      // Whatever the command left running in its group is stopped too.
      stopGroup();
    });
    child.once('close', () => resolve());
  });
  context.cancellationSignal.addEventListener('abort', stopGroup);
  let workerStopping: 'hand over' | 'stop now' | undefined;
  const stopFor = (why: 'hand over' | 'stop now') => () => {
    if (exit !== undefined) return;
    workerStopping ??= why;
    stopGroup();
  };
  const onStopNow = stopFor('stop now');
  const onHandOver = stopFor('hand over');
  drain?.stopNow.addEventListener('abort', onStopNow);
  if (input.movable) drain?.handOver.addEventListener('abort', onHandOver);
  if (drain?.stopNow.aborted) onStopNow();
  else if (input.movable && drain?.handOver.aborted) onHandOver();
  // The group is stopped the moment a cancel is recorded (a revoke, deployctl cancel, the Web UI), not seconds later.
  let ended = false;
  let cancelSeen = false;
  void cancelRequested(client, () => ended).then((news) => {
    // A command that has exited already keeps its exit: it completed before the cancel.
    if (news !== 'requested' || exit !== undefined) return;
    cancelSeen = true;
    stopGroup();
  });
  const heartbeats = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  context.heartbeat();
  try {
    await closed;
  } finally {
    clearInterval(heartbeats);
    ended = true;
    context.cancellationSignal.removeEventListener('abort', stopGroup);
    drain?.stopNow.removeEventListener('abort', onStopNow);
    drain?.handOver.removeEventListener('abort', onHandOver);
    stopGroup();
  }

  // Exit 0 is a step that ran to its end, even if a cancel came meanwhile: the deploy happened, and says so.
  if (exit?.code === 0) return;
  if (cancelSeen && !context.cancellationSignal.aborted) {
    // Stopped ahead of the heartbeat that would bring the cancel: end now, so that the turn is not held seconds
    // longer. The workflow, which asked for the cancel, reads this as the cancellation it is.
    throw ApplicationFailure.nonRetryable(
      `the ${input.what} was stopped: its deployment asked to cancel it`,
      FAILURE.deployStepStopped,
    );
  }
  if (workerStopping === 'hand over') throw handedOver(`the ${input.what}`);
  if (workerStopping === 'stop now') throw workerStopped(input.what, 'a second stop signal');
  if (context.cancellationSignal.aborted && context.cancellationDetails?.workerShutdown) {
    throw workerStopped(input.what, 'its shutdown grace period, DEPLOY_SHUTDOWN_GRACE, ran out');
  }
  if (context.cancellationSignal.aborted) {
    // Rethrows the cancellation itself, now that the process group is gone.
    await context.cancelled;
  }
  if (exit === undefined) {
    throw ApplicationFailure.nonRetryable(
      `the ${input.what} ended without an exit status`,
      FAILURE.deployCommandFailed,
    );
  }
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const tail = lastOutput ? ` (last output: ${lastOutput})` : '';
  throw ApplicationFailure.create({
    message: `${input.what} ${how}${tail}`,
    type: FAILURE.deployCommandFailed,
    nonRetryable: !input.retryable,
    details: [{ exitCode: exit.code, signal: exit.signal }],
  });
}
