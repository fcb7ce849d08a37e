import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ApplicationFailure, Context } from '@temporalio/activity';

export interface SupervisedProcess {
  /** argv: run without a shell, so nothing in it is interpreted. */
  argv: string[];
  cwd?: string;
  /** Added to the worker's own environment. */
  environment: Record<string, string>;
  killGracePeriodMs: number;
  /** What the process is, for messages: "deploy command", "cdk prepare". */
  what: string;
  /** Extra fields on every output line in the worker log. */
  logFields?: Record<string, string>;
  /** A failed run may be retried (the activity's retry policy decides): for steps that are safe to repeat. */
  retryable?: boolean;
}

/**
 * The supervisor, a POSIX shell started in a session of its own (so nothing sent to the worker's process group or
 * session reaches it) with a pipe from the worker as its stdin. It forks a watcher and then becomes the command
 * (exec), which leads the session's one process group. The watcher blocks on the pipe: the pipe reaches end of file
 * when the worker closes it (cancel, or the command has exited) or when the worker dies, however it dies, since the
 * kernel closes a dead process's pipes. Then the watcher stops the whole group: SIGTERM, and SIGKILL after the grace
 * period. It ignores SIGTERM itself so that it lives to send the SIGKILL.
 *
 * A shell costs a few milliseconds of CPU where a Node supervisor cost over a hundred.
 * Arguments: GRACE_SECONDS PROGRAM [ARGS...]
 */
const SUPERVISOR_SCRIPT = [
  'grace=$1; shift',
  'exec 3<&0',
  '( trap \'\' TERM INT HUP; while read -r _; do :; done; kill -TERM 0; sleep "$grace"; kill -KILL 0 ) <&3 >/dev/null 2>&1 &',
  'exec "$@" <&- 3<&-',
].join('\n');

const HEARTBEAT_EVERY_MS = 1000;
const LAST_OUTPUT_CHARS = 300;

/** Why a program cannot be run, checked before starting it (spawn's own errors are hidden behind the shell). */
function notRunnable(program: string, cwd: string, path: string | undefined): string | undefined {
  const executable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (program.includes('/')) {
    const file = isAbsolute(program) ? program : resolve(cwd, program);
    try {
      accessSync(file, constants.F_OK);
    } catch {
      return 'ENOENT';
    }
    return executable(file) ? undefined : 'EACCES';
  }
  const found = (path ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(resolve(cwd, dir), program)));
  return found ? undefined : 'ENOENT';
}

/**
 * Runs a process of a deploy step inside an activity: output streamed to the worker log, heartbeats, cancellation.
 * It runs under a supervisor (see SUPERVISOR_SCRIPT) that stops its whole process group when the step is cancelled,
 * when it ends, or when the worker dies in any way, so a lost worker can never leave a deploy running beside the next
 * one. Resolves on exit code 0; else a failure that names the exit and the last line of output, non-retryable unless
 * the process is marked `retryable`.
 */
export async function runSupervised(input: SupervisedProcess): Promise<void> {
  const context = Context.current();
  const [program, ...args] = input.argv;
  if (program === undefined) throw ApplicationFailure.nonRetryable(`the ${input.what} is empty`, 'BadDeployCommand');
  const env = { ...process.env, ...input.environment };
  const cwd = input.cwd ?? process.cwd();
  const problem = notRunnable(program, cwd, env.PATH);
  if (problem !== undefined) {
    throw ApplicationFailure.nonRetryable(
      `cannot run ${input.what} ${JSON.stringify(program)}: ${problem}`,
      'DeployCommandNotRunnable',
    );
  }

  const graceSeconds = String(Math.max(0, input.killGracePeriodMs) / 1000);
  const child = spawn('/bin/sh', ['-c', SUPERVISOR_SCRIPT, 'deploy-supervisor', graceSeconds, program, ...args], {
    cwd,
    env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Closing the pipe is the one way to stop the group: the watcher does the rest, even if this worker dies now.
  const stopGroup = () => child.stdin.destroy();
  // Nothing is ever written; an error on the pipe only means the watcher has gone.
  child.stdin.on('error', () => undefined);
  let lastOutput = '';
  for (const [name, stream] of [
    ['stdout', child.stdout],
    ['stderr', child.stderr],
  ] as const) {
    createInterface({ input: stream }).on('line', (line) => {
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
  const heartbeats = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  context.heartbeat();
  try {
    await closed;
  } finally {
    clearInterval(heartbeats);
    context.cancellationSignal.removeEventListener('abort', stopGroup);
    stopGroup();
  }

  if (context.cancellationSignal.aborted) {
    // Rethrows the cancellation itself, now that the process group is gone.
    await context.cancelled;
  }
  if (exit === undefined) {
    throw ApplicationFailure.nonRetryable(`the ${input.what} ended without an exit status`, 'DeployCommandLost');
  }
  if (exit.code !== 0) {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const tail = lastOutput ? ` (last output: ${lastOutput})` : '';
    throw ApplicationFailure.create({
      message: `${input.what} ${how}${tail}`,
      type: 'DeployCommandFailed',
      nonRetryable: !input.retryable,
      details: [{ exitCode: exit.code, signal: exit.signal }],
    });
  }
}
