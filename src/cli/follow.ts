// Following a deployment to its end: its queue position and state changes as lines, then its result.
import { type Client, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import {
  type DeploymentResult,
  type DeploymentState,
  deploymentWorkflowId,
  FINAL_STATUSES,
  lockWorkflowId,
  queueQuery,
  stateQuery,
} from '../contract';
import { formatDuration } from '../domain/durations';
import { queuePosition } from '../domain/queue-position';
import type { deployment } from '../workflows';

const FOLLOW_EVERY_MS = 1000;

export interface Followed {
  result: DeploymentResult;
  /** Whom it waited behind: each deployment seen holding the turn while it was queued, in order. */
  waitedBehind: string[];
}

/** Waits until the deployment has left `pending` (it is queued, or already further); returns its state then. */
export async function waitUntilQueued(handle: WorkflowHandle<typeof deployment>): Promise<DeploymentState> {
  for (;;) {
    const state = await handle.query(stateQuery);
    if (state.status !== 'pending') return state;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Reports each new progress line through `say` until the deployment ends; returns its result. */
export async function follow(
  client: Client,
  handle: WorkflowHandle<typeof deployment>,
  environment: string,
  say: (line: string) => void,
): Promise<Followed> {
  let done = false;
  const result = handle
    .result()
    .catch((err: unknown) => endedAbnormally(handle.workflowId, environment, err))
    .finally(() => {
      done = true;
    });
  let last = '';
  const waitedBehind: string[] = [];
  const lock = client.workflow.getHandle(lockWorkflowId(environment));
  while (!done) {
    const progress = await progressOf(handle, lock).catch(() => undefined);
    if (progress?.behind && !waitedBehind.includes(progress.behind)) waitedBehind.push(progress.behind);
    if (progress !== undefined && progress.line !== last) {
      say(progress.line);
      last = progress.line;
    }
    await Promise.race([result.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, FOLLOW_EVERY_MS))]);
  }
  return { result: await result, waitedBehind };
}

/** A deployment's progress as one line; `behind` names the holder it waits for, `next` says it is first in line. */
export async function progressOf(
  handle: WorkflowHandle<typeof deployment>,
  lock: WorkflowHandle,
): Promise<{ line: string; behind?: string; next?: boolean } | undefined> {
  const state = await handle.query(stateQuery);
  if (FINAL_STATUSES.includes(state.status)) return undefined;
  if (state.status !== 'queued') return { line: `${state.correlationId}: ${state.status}` };
  const view = await lock.query(queueQuery).catch(() => undefined);
  const at = view && queuePosition(view, state.workflowId);
  if (!at) return { line: `${state.correlationId}: queued` };
  const behind = at.holderCorrelationId ? `, behind ${at.holderCorrelationId}` : '';
  return {
    line: `${state.correlationId}: queued at position ${at.position} of ${at.waiting}${behind} (ETA ${formatDuration(at.etaMs)})`,
    ...(at.holderCorrelationId ? { behind: at.holderCorrelationId } : {}),
    ...(at.position === 1 ? { next: true } : {}),
  };
}

/** A workflow terminated or timed out from outside (the Web UI, a server timeout) never returned its result. */
export function endedAbnormally(workflowId: string, environment: string, err: unknown): DeploymentResult {
  if (!(err instanceof WorkflowFailedError)) throw err;
  return {
    correlationId: workflowId.slice(deploymentWorkflowId(environment, '').length),
    workflowId,
    environment,
    stackName: null,
    status: 'failed',
    queuedMs: null,
    durationMs: null,
    error: `the deployment workflow ended without a result: ${err.cause?.message ?? err.message}`,
  };
}
