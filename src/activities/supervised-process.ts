import { spawn } from 'node:child_process';
import { join } from 'node:path';
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

type SupervisorReport =
  { type: 'exit'; code: number | null; signal: NodeJS.Signals | null } | { type: 'spawn-error'; code: string };

const SUPERVISOR = join(__dirname, 'process-supervisor.js');
const HEARTBEAT_EVERY_MS = 1000;
const LAST_OUTPUT_CHARS = 300;

/**
 * Runs a process of a deploy step inside an activity: output streamed to the worker log, heartbeats, cancellation.
 * It runs under a supervisor that stops its whole process group when the step is cancelled or the worker dies, so a
 * lost worker can never leave a deploy running beside the next one. Resolves on exit code 0; else a failure that
 * names the exit and the last line of output, non-retryable unless the process is marked `retryable`.
 */
export async function runSupervised(input: SupervisedProcess): Promise<void> {
  const context = Context.current();
  const [program, ...args] = input.argv;
  if (program === undefined) throw ApplicationFailure.nonRetryable(`the ${input.what} is empty`, 'BadDeployCommand');

  const supervisor = spawn(process.execPath, [SUPERVISOR, String(input.killGracePeriodMs), program, ...args], {
    cwd: input.cwd,
    env: { ...process.env, ...input.environment },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let report: SupervisorReport | undefined;
  supervisor.on('message', (message: SupervisorReport) => (report = message));
  let lastOutput = '';
  for (const [name, stream] of [
    ['stdout', supervisor.stdout],
    ['stderr', supervisor.stderr],
  ] as const) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      context.log.info(line, { stream: name, ...input.logFields });
      if (line.trim() !== '') lastOutput = line.slice(0, LAST_OUTPUT_CHARS);
    });
  }

  const closed = new Promise<void>((resolve, reject) => {
    supervisor.once('error', reject);
    supervisor.once('close', () => resolve());
  });
  const onCancel = () => supervisor.kill('SIGTERM');
  context.cancellationSignal.addEventListener('abort', onCancel);
  const heartbeats = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  context.heartbeat();
  try {
    await closed;
  } finally {
    clearInterval(heartbeats);
    context.cancellationSignal.removeEventListener('abort', onCancel);
  }

  if (context.cancellationSignal.aborted) {
    // Rethrows the cancellation itself, now that the process group is gone.
    await context.cancelled;
  }
  if (report?.type === 'spawn-error') {
    throw ApplicationFailure.nonRetryable(
      `cannot run ${input.what} ${JSON.stringify(program)}: ${report.code}`,
      'DeployCommandNotRunnable',
    );
  }
  if (report === undefined) {
    throw ApplicationFailure.nonRetryable(`the ${input.what} supervisor ended without a report`, 'DeployCommandLost');
  }
  if (report.code !== 0) {
    const how = report.signal ? `was killed by ${report.signal}` : `exited with code ${report.code}`;
    const tail = lastOutput ? ` (last output: ${lastOutput})` : '';
    throw ApplicationFailure.create({
      message: `${input.what} ${how}${tail}`,
      type: 'DeployCommandFailed',
      nonRetryable: !input.retryable,
      details: [{ exitCode: report.code, signal: report.signal }],
    });
  }
}
