// An operator's message (cancel, force-release) goes as an update, which the worker answers once it has decided it
// by the environment's operator rules; a worker older than that (< 1.4) knows only the signal.
import { type WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import type { OperatorMessage } from '../contract';
import { present } from '../domain/present';

/** Sends `message` as `update`, or as `signal` where the workflow has no handler for the update. */
export async function sendOperatorMessage(
  handle: WorkflowHandle,
  update: UpdateDefinition<void, [OperatorMessage]>,
  signal: SignalDefinition<[{ reason: string; by?: string }]>,
  message: OperatorMessage,
): Promise<void> {
  try {
    await handle.executeUpdate(update, { args: [message] });
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
