// deployctl freeze, unfreeze and freezes: a freeze by hand holds an environment's queue (what runs, runs on) until
// it is lifted or its end passes; freezes lists what is closed now and the windows ahead.
import { randomBytes } from 'node:crypto';
import { type Client, TimeoutFailure, WorkflowFailedError } from '@temporalio/client';
import { taskQueueName } from '../connection/task-queue';
import { type EnvironmentCalendarView, FAILURE, type FreezeChange } from '../contract';
import { byWords, operatorIdentity, type OperatorOptions } from '../client/actor';
import { connectOrExit } from '../client/connect';
import { EXIT, ExitError, usageError } from '../client/exit-codes';
import { checkDuration, checkName, checkReason, checkTimeAhead } from '../client/inputs';
import { closureLine, formatInstant } from '../domain/closure-wording';
import { present } from '../domain/present';

export interface FreezeOptions extends OperatorOptions {
  env?: string[];
  all?: boolean;
  reason?: string;
  for?: string;
  until?: string;
}

/** The environments named (each checked), or undefined for --all; exactly one of the two. */
function environmentsOf(options: { env?: string[]; all?: boolean }): string[] | undefined {
  const named = options.env ?? [];
  if (options.all && named.length > 0) throw usageError('give --env or --all, not both');
  if (!options.all && named.length === 0) throw usageError('give --env <environment> (repeatable) or --all');
  for (const name of named) checkName('environment', name);
  return options.all ? undefined : [...new Set(named)];
}

/** How long deployctl waits for a worker to run its short workflow: a worker restarting is back well within it. */
const ANSWER_WITHIN = '1m';

/** Runs one of the coordinator's short workflows; an unknown environment is bad usage (64), named. */
async function ask<T>(client: Client, workflow: string, arg: unknown): Promise<T> {
  try {
    return await client.workflow.execute<(arg: unknown) => Promise<T>>(workflow, {
      taskQueue: taskQueueName(),
      workflowId: `${workflow}/${randomBytes(6).toString('hex')}`,
      args: [arg],
      workflowExecutionTimeout: ANSWER_WITHIN,
    });
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    if (err.cause instanceof TimeoutFailure) {
      throw new ExitError(
        EXIT.failed,
        `no worker answered within ${ANSWER_WITHIN}: is the coordinator's worker running? ` +
          '`deployctl freezes` shows what took effect',
      );
    }
    let cause: unknown = err.cause;
    while (cause instanceof Error && cause.cause && !('type' in cause && cause.type)) cause = cause.cause;
    const failure = cause as { type?: string; message?: string } | undefined;
    if (failure?.type === FAILURE.unknownEnvironment) throw usageError(failure.message ?? 'unknown environment');
    if (failure?.type === FAILURE.accessDenied) throw new ExitError(EXIT.accessDenied, `refused: ${failure.message}`);
    throw new ExitError(EXIT.failed, failure?.message ?? err.message);
  }
}

async function change(options: FreezeOptions, lift: boolean): Promise<number> {
  const environments = environmentsOf(options);
  const reason = checkReason(options.reason);
  if (reason.length > 200) throw usageError('--reason has at most 200 characters');
  if (lift && (options.for !== undefined || options.until !== undefined)) {
    throw usageError('unfreeze lifts the freeze now: leave out --for and --until');
  }
  if (options.for !== undefined && options.until !== undefined) throw usageError('give --for or --until, not both');
  const until =
    options.for !== undefined
      ? Date.now() + checkDuration('--for', options.for)
      : options.until === undefined
        ? undefined
        : checkTimeAhead('--until', options.until);
  const { by, idToken } = await operatorIdentity(options);
  const request: FreezeChange = { lift, reason, ...present({ environments, by, idToken, until }) };
  const { client, close } = await connectOrExit();
  try {
    const changed = await ask<string[]>(client, 'changeFreeze', request);
    const who = byWords({ by, idToken });
    const what = lift
      ? 'freeze lifted'
      : `frozen ${until === undefined ? 'until lifted' : `until ${formatInstant(until)}`}`;
    for (const environment of changed) process.stderr.write(`${environment}: ${what}${who} (${reason})\n`);
    return EXIT.ok;
  } finally {
    await close();
  }
}

export const freezeCommand = (options: FreezeOptions) => change(options, false);
export const unfreezeCommand = (options: FreezeOptions) => change(options, true);

export async function freezesCommand(options: { env?: string[]; json?: boolean; days?: string }): Promise<number> {
  for (const name of options.env ?? []) checkName('environment', name);
  const days = Number(options.days ?? '7');
  if (!Number.isInteger(days) || days < 1 || days > 90) {
    throw usageError(`invalid --days ${JSON.stringify(options.days)}: a whole number of days from 1 to 90`);
  }
  const { client, close } = await connectOrExit();
  try {
    const asked = { days, ...present({ environments: options.env?.length ? options.env : undefined }) };
    const calendars = await ask<EnvironmentCalendarView[]>(client, 'environmentCalendars', asked);
    process.stdout.write(`${options.json ? JSON.stringify(calendars) : renderCalendars(calendars, days)}\n`);
    return EXIT.ok;
  } finally {
    await close();
  }
}

function renderCalendars(calendars: EnvironmentCalendarView[], days: number, now = Date.now()): string {
  const lines: string[] = [];
  for (const { environment, closure, waiting, upcoming } of calendars) {
    const held = waiting > 0 ? ` (${waiting} waiting)` : '';
    lines.push(`${environment}: ${closure ? closureLine(closure, now) : 'open'}${held}`);
    if (upcoming.length === 0) lines.push(`  no windows in the next ${days} days`);
    for (const entry of upcoming) {
      const kind = entry.kind === 'freeze' ? 'freeze       ' : 'deploy window';
      const end = Number.isFinite(entry.end) ? formatInstant(entry.end) : 'never';
      const zone = entry.timezone ? ` [${entry.timezone}]` : '';
      lines.push(`  ${kind}  ${formatInstant(entry.start)} → ${end}${entry.reason ? `  ${entry.reason}` : ''}${zone}`);
    }
  }
  return lines.join('\n');
}
