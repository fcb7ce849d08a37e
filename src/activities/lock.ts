import {
  type Client,
  type WorkflowHandle,
  WorkflowNotFoundError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { lockWorkflowId } from '../contract/names';
import {
  DEPLOYMENT_ENVIRONMENT,
  type EndedLock,
  releaseAnswerQuery,
  type ReleaseOutcome,
  releaseTurnSignal,
  releaseTurnUpdate,
  requestTurnSignal,
  type TurnRelease,
  type TurnRequest,
} from '../contract';

export interface RequestTurnInput {
  environment: string;
  request: TurnRequest;
}

/**
 * Signals an environment's lock, starting the lock workflow if it is not running: a lock that ended idle hands its
 * lease count and learned durations to the one started here. (Two requests that both find it ended start one lock:
 * signal-with-start signals the run the other started.)
 */
export async function signalLock<T>(
  client: Client,
  taskQueue: string,
  environment: string,
  signal: SignalDefinition<[T]>,
  arg: T,
): Promise<void> {
  const workflowId = lockWorkflowId(environment);
  try {
    await client.workflow.getHandle(workflowId).signal(signal, arg);
    return;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  await client.workflow.signalWithStart('environmentLock', {
    workflowId,
    taskQueue,
    args: [{ environment, ...(await endedLock(client, workflowId)) }],
    signal,
    signalArgs: [arg],
    typedSearchAttributes: [{ key: DEPLOYMENT_ENVIRONMENT, value: environment }],
    staticSummary: `Deployment queue of environment ${environment}`,
  });
}

/** What the environment's last lock returned when it ended idle; nothing when it never ran or ended otherwise. */
async function endedLock(client: Client, workflowId: string): Promise<EndedLock | undefined> {
  try {
    const { runId, status } = await client.workflow.getHandle(workflowId).describe();
    if (status.name !== 'COMPLETED') return undefined;
    // (A lock before 1.8 never ended this way: it returned nothing.)
    const ended = (await client.workflow.getHandle(workflowId, runId, { followRuns: false }).result()) as
      EndedLock | undefined;
    return ended?.nextLease === undefined ? undefined : ended;
  } catch (err) {
    // Never ran (or its history is gone): a new lock starts free, as the first one did.
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** Queues a deployment at its environment's lock, starting the lock workflow if it is not running. */
export function createRequestTurn(client: Client, taskQueue: string) {
  return async function requestTurn({ environment, request }: RequestTurnInput): Promise<void> {
    await signalLock(client, taskQueue, environment, requestTurnSignal, request);
  };
}

export interface ReleaseTurnInput {
  environment: string;
  leaseId: string;
  durationMs: number;
}

/** How long a release waits for the lock to have taken it: the lock's next workflow task, normally milliseconds. */
const ANSWER_WAIT_MS = 10_000;

/**
 * Gives the turn back and has the lock's answer in one round trip: an update, which the lock takes and answers in one
 * workflow task. A lock that does not take the update (its worker older than 1.9, or a server without updates) is
 * released by signal and asked by query, as before. A lock whose worker does not answer in time is sent the signal,
 * which it takes whenever it next runs, and is not asked: a query then would reach a worker new to the lock while the
 * release waits, the case ADR 9 is about.
 */
export function createReleaseTurn(client: Client) {
  return async function releaseTurn({ environment, leaseId, durationMs }: ReleaseTurnInput): Promise<ReleaseOutcome> {
    const lock = client.workflow.getHandle(lockWorkflowId(environment));
    const release: TurnRelease = { leaseId, durationMs };
    const deadline = Date.now() + ANSWER_WAIT_MS;
    try {
      // (The same ID for a retried attempt: the lock answers it again without taking the release twice.)
      const answer = await client.connection.withDeadline(deadline, () =>
        lock.executeUpdate(releaseTurnUpdate, { args: [release], updateId: `release/${leaseId}` }),
      );
      if (answer) return { lock: 'answered', ...answer };
    } catch (err) {
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
        return (await sendRelease(lock, release)) ?? { lock: 'unanswered' };
      }
      // Refused (see above), or no lock running under that ID: the signal says which.
    }
    const closed = await sendRelease(lock, release);
    if (closed) return closed;
    for (let pause = 10; Date.now() < deadline; pause = Math.min(pause * 2, 500)) {
      let answer;
      try {
        answer = await lock.query(releaseAnswerQuery, leaseId);
      } catch {
        // Not answered this time (the lock's worker busy or gone): asked again until the deadline.
      }
      if (answer) return { lock: 'answered', ...answer };
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    return { lock: 'unanswered' };
  };
}

/** Sends the release as a signal; `closed` when no lock runs to take it (a new lock starts free). */
async function sendRelease(lock: WorkflowHandle, release: TurnRelease): Promise<{ lock: 'closed' } | undefined> {
  try {
    await lock.signal(releaseTurnSignal, release);
    return undefined;
  } catch (err) {
    // Terminated or never started: nothing holds a turn to give back.
    if (err instanceof WorkflowNotFoundError) return { lock: 'closed' };
    throw err;
  }
}
