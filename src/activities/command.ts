import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ApplicationFailure, Context } from '@temporalio/activity';

export interface RunDeployCommandInput {
  /** argv: run without a shell, so nothing in it is interpreted. */
  command: string[];
  cwd?: string;
  /** Added to the worker's own environment (CORRELATION_ID, DEPLOY_ENVIRONMENT, STACK_NAME, DEPLOY_REF). */
  environment: Record<string, string>;
  killGracePeriodMs: number;
}

const HEARTBEAT_EVERY_MS = 1000;
const LAST_OUTPUT_CHARS = 300;

/** Stops the whole process group: deploy scripts start children (cdk, node, aws) that must stop too. */
function terminate(child: ChildProcess, graceMs: number): void {
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  signalGroup('SIGTERM');
  const killer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
  child.once('close', () => clearTimeout(killer));
}

/** Runs the environment's deploy command, streams its output to the worker log, heartbeats, honours cancellation. */
export async function runDeployCommand(input: RunDeployCommandInput): Promise<void> {
  const context = Context.current();
  const [program, ...args] = input.command;
  if (program === undefined) throw ApplicationFailure.nonRetryable('the deploy command is empty', 'BadDeployCommand');

  const child = spawn(program, args, {
    cwd: input.cwd,
    env: { ...process.env, ...input.environment },
    // Its own process group, so that cancellation reaches every process the command starts.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let lastOutput = '';
  for (const [name, stream] of [
    ['stdout', child.stdout],
    ['stderr', child.stderr],
  ] as const) {
    createInterface({ input: stream }).on('line', (line) => {
      context.log.info(line, { stream: name, correlationId: input.environment.CORRELATION_ID });
      if (line.trim() !== '') lastOutput = line.slice(0, LAST_OUTPUT_CHARS);
    });
  }

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const onCancel = () => terminate(child, input.killGracePeriodMs);
  context.cancellationSignal.addEventListener('abort', onCancel);
  const heartbeats = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  context.heartbeat();

  let outcome: Awaited<typeof exited>;
  try {
    outcome = await exited;
  } finally {
    clearInterval(heartbeats);
    context.cancellationSignal.removeEventListener('abort', onCancel);
  }

  if (context.cancellationSignal.aborted) {
    // Rethrows the cancellation itself, now that the process group is gone.
    await context.cancelled;
  }
  if (outcome.error) {
    const code = (outcome.error as NodeJS.ErrnoException).code ?? outcome.error.message;
    throw ApplicationFailure.nonRetryable(
      `cannot run deploy command ${JSON.stringify(program)}: ${code}`,
      'DeployCommandNotRunnable',
    );
  }
  if (outcome.code !== 0) {
    const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${outcome.code}`;
    const tail = lastOutput ? ` (last output: ${lastOutput})` : '';
    throw ApplicationFailure.nonRetryable(`deploy command ${how}${tail}`, 'DeployCommandFailed', {
      exitCode: outcome.code,
      signal: outcome.signal,
    });
  }
}
