// The command deployctl run runs on the CI runner once its deployment holds the turn: argv without a shell, under the
// process supervisor, so that its whole process group stops when deployctl asks, and when deployctl dies.
import type { Writable } from 'node:stream';
import type { RunnerExit } from '../contract';
import { present } from '../domain/present';
import { secretRedactor } from '../process/redact-secrets';
import { LAST_OUTPUT_CHARS, notRunnable, startSupervised } from '../process/supervisor';
import { usageError } from './exit-codes';

export interface RunnerCommand {
  /** Settles with the command's exit once it and its output have ended. */
  exited: Promise<RunnerExit>;
  /** Stops the command's process group: SIGTERM, then SIGKILL after the grace period. Idempotent. */
  stop(): void;
}

export interface RunnerCommandOptions {
  argv: [string, ...string[]];
  /** Added to deployctl's own environment (less the Temporal API key, which the command never needs). */
  environment: Record<string, string>;
  killGracePeriodMs: number;
  /** Where the command's stdout goes: deployctl's stdout, or its stderr when stdout carries --json. */
  stdout: Writable;
  stderr: Writable;
}

export function startRunnerCommand(options: RunnerCommandOptions): RunnerCommand {
  const env = { ...process.env, ...options.environment };
  delete env.TEMPORAL_API_KEY;
  const { child, stopGroup } = startSupervised({
    argv: options.argv,
    cwd: process.cwd(),
    env,
    killGracePeriodMs: options.killGracePeriodMs,
  });
  let tail = '';
  for (const [stream, to] of [
    [child.stdout, options.stdout],
    [child.stderr, options.stderr],
  ] as const) {
    stream.on('data', (chunk: Buffer) => {
      to.write(chunk);
      tail = (tail + chunk.toString()).slice(-4 * LAST_OUTPUT_CHARS);
    });
  }
  const exited = new Promise<RunnerExit>((resolve, reject) => {
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      // Whatever the command left running in its group is stopped too.
      stopGroup();
    });
    child.once('close', () => {
      const lastOutput = secretRedactor()(tail)
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '')
        .pop()
        ?.slice(0, LAST_OUTPUT_CHARS);
      resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        ...present({ lastOutput }),
      });
    });
  });
  return { exited, stop: stopGroup };
}

/** The command, checked before anything is requested: a runner that cannot run it must not take a turn. */
export function checkCommand(argv: string[]): [string, ...string[]] {
  const [program, ...args] = argv;
  if (program === undefined || program === '') throw usageError('give the deploy command to run after --');
  const problem = notRunnable(program, process.cwd(), process.env.PATH);
  if (problem !== undefined) {
    const why = problem === 'ENOENT' ? 'not found' : 'not executable';
    throw usageError(`cannot run ${JSON.stringify(program)}: ${why} (${problem})`);
  }
  return [program, ...args];
}
