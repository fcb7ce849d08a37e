// An operator's message (cancel, force-release, approve, reject) goes as an update, which the worker answers once it
// has decided it by the environment's operator rules; a worker older than that (< 1.4) knows only the signal.
import { type WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type SignalDefinition, type UpdateDefinition } from '@temporalio/common';
import { FAILURE, type OperatorMessage } from '../contract';
import { present } from '../domain/present';
import { EXIT, ExitError } from './exit-codes';

/** How long an update turned away as Busy is sent again: a deployment's local activities take milliseconds. */
const BUSY_RETRY = { firstMs: 100, maxMs: 1_000, forMs: 60_000 };

/** Sends `message` as `update`, or as `signal` where the workflow has no handler for the update. */
export async function sendOperatorMessage(
  handle: WorkflowHandle,
  update: UpdateDefinition<void, [OperatorMessage]>,
  signal: SignalDefinition<[OperatorMessage]>,
  message: OperatorMessage,
): Promise<void> {
  try {
    await executeOperatorUpdate(handle, update, message);
  } catch (err) {
    const unknownUpdate =
      err instanceof WorkflowUpdateFailedError &&
      err.cause instanceof Error &&
      err.cause.message.includes('No registered handler');
    if (!unknownUpdate) throw err;
    // (The token stays out of a message nobody verifies.)
    await handle.signal(signal, { reason: message.reason, ...present({ by: message.by }) });
  }
}

/**
 * Executes an operator's update, sent again while the workflow turns it away as Busy (a step was running in the
 * worker: see src/workflows/local-work.ts); after a minute of that, exits 69 (unavailable).
 */
export async function executeOperatorUpdate<Ret, Arg>(
  handle: WorkflowHandle,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
): Promise<Ret> {
  const giveUpAt = Date.now() + BUSY_RETRY.forMs;
  for (let waitMs = BUSY_RETRY.firstMs; ; waitMs = Math.min(waitMs * 2, BUSY_RETRY.maxMs)) {
    try {
      return await handle.executeUpdate(update, { args: [arg] });
    } catch (err) {
      if (!isBusy(err)) throw err;
      if (Date.now() + waitMs > giveUpAt) {
        throw new ExitError(
          EXIT.unavailable,
          `${handle.workflowId}: still running a step in the worker after a minute; try again`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

/** An update the workflow turned away for now (it was running a step in the worker): sent again, it is taken. */
export function isBusy(err: unknown): boolean {
  return (
    err instanceof WorkflowUpdateFailedError &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === FAILURE.busy
  );
}
