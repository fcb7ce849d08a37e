import { status } from '@grpc/grpc-js';
import { type Client, isGrpcDeadlineError, isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { connectClient, temporalTarget } from '../connection/temporal-target';
import { findCause } from '../domain/error-cause';
import { EXIT, ExitError, usageError } from './exit-codes';

/** Connecting and checking the namespace together stay well inside the 20 s a CI step may wait to hear. */
const CONNECT_TIMEOUT_MS = 5000;
const CHECK_TIMEOUT_MS = 5000;

/** The first line of an error's message, for a one-line report. */
function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${message}${cause}`.split('\n')[0]!.slice(0, 300);
}

/** The one line deployctl ends with when Temporal cannot be used; it names where it tried. */
export function unavailableError(address: string, namespace: string, err: unknown): ExitError {
  return new ExitError(
    EXIT.unavailable,
    `cannot use Temporal at ${address} (namespace ${namespace}): ${firstLine(err)}`,
  );
}

/**
 * Connects to Temporal and checks that what answers is a Temporal server serving the namespace, for this caller;
 * else ends deployctl with 69 saying where it tried. Every later call can then trust the connection: a failure there
 * is about the deployment, not about reaching the server.
 */
export async function connectOrExit(): Promise<{ client: Client; namespace: string; close: () => Promise<void> }> {
  const { target } = temporalTarget();
  let connected: Awaited<ReturnType<typeof connectClient>>;
  try {
    connected = await connectClient(CONNECT_TIMEOUT_MS);
  } catch (err) {
    throw unavailableError(target.address, target.namespace, err);
  }
  const { client, connection } = connected;
  try {
    // Proves the protocol (an HTTP server or a proxy answers nothing sensible), the namespace and the credentials.
    await connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () =>
      connection.workflowService.describeNamespace({ namespace: target.namespace }),
    );
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw unavailableError(target.address, target.namespace, err);
  }
  return { client, namespace: target.namespace, close: () => connection.close() };
}

/** True for errors that mean the server could not be reached (or stopped answering mid-way). */
export function isUnavailable(err: unknown): boolean {
  if (isGrpcDeadlineError(err)) return true;
  return findCause(err, (cause) => isGrpcServiceError(cause) && cause.code === status.UNAVAILABLE) !== undefined;
}

export function notFound(err: unknown, what: string): never {
  if (err instanceof WorkflowNotFoundError) throw usageError(`${what} not found`);
  throw err;
}
