import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { connectClient, temporalTarget } from '../temporal-connection';
import { EXIT, ExitError, usageError } from './exit-codes';

/** Connects to Temporal, or ends deployctl with 69 saying where it tried. */
export async function connectOrExit(): Promise<{ client: Client; namespace: string; close: () => Promise<void> }> {
  const { target } = temporalTarget();
  try {
    const { client, connection } = await connectClient();
    return { client, namespace: target.namespace, close: () => connection.close() };
  } catch (err) {
    throw new ExitError(
      EXIT.unavailable,
      `cannot reach Temporal at ${target.address} (namespace ${target.namespace}): ${(err as Error).message}`,
    );
  }
}

/** True for errors that mean the server could not be reached. */
export function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: number }).code;
  const cause = (err as { cause?: { code?: number } }).cause;
  // gRPC UNAVAILABLE (14) and DEADLINE_EXCEEDED (4).
  return code === 14 || code === 4 || cause?.code === 14 || cause?.code === 4;
}

export function notFound(err: unknown, what: string): never {
  if (err instanceof WorkflowNotFoundError) throw usageError(`${what} not found`);
  throw err;
}
