// The result of a deployment workflow that did not complete: a failed close carries it in its details, a Canceled
// close carries none (Temporal keeps no payload there), so the closed workflow's state is asked for it.
import {
  ApplicationFailure,
  CancelledFailure,
  TerminatedFailure,
  type WorkflowFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { CLOSE_FAILURE, type DeploymentResult, deploymentWorkflowId, stateQuery } from '../contract';
import { resultOf } from '../domain/result';
import type { deployment } from '../workflows';

const CLOSE_TYPES: readonly string[] = Object.values(CLOSE_FAILURE);

/** The result a deployment closed with, from the error `handle.result()` threw for it. */
export async function resultOfClose(
  handle: WorkflowHandle<typeof deployment>,
  environment: string,
  err: WorkflowFailedError,
): Promise<DeploymentResult> {
  const { cause } = err;
  if (cause instanceof ApplicationFailure && CLOSE_TYPES.includes(cause.type ?? '') && isResult(cause.details?.[0])) {
    return cause.details[0];
  }
  if (cause instanceof CancelledFailure) {
    // The worker answers for a closed workflow by replaying it.
    const state = await handle.query(stateQuery).catch(() => undefined);
    if (state && state.status === 'cancelled') return resultOf(state);
    return endedAbnormally(handle.workflowId, environment, 'cancelled', 'cancelled from the Web UI or API');
  }
  return endedAbnormally(
    handle.workflowId,
    environment,
    'failed',
    `the deployment workflow ended without a result: ${cause?.message ?? err.message}`,
  );
}

/**
 * The run that replaced a terminated one (a reset from the Web UI terminates the run it replaces), to follow on;
 * undefined when the run was terminated for good.
 */
export async function newerRun(
  handle: WorkflowHandle<typeof deployment>,
  err: WorkflowFailedError,
): Promise<WorkflowHandle<typeof deployment> | undefined> {
  if (!(err.cause instanceof TerminatedFailure)) return undefined;
  // (The run followed was terminated: a latest run that was not is another one.)
  const latest = await handle.client
    .getHandle(handle.workflowId)
    .describe()
    .catch(() => undefined);
  if (!latest || latest.status.name === 'TERMINATED') return undefined;
  return handle.client.getHandle<typeof deployment>(handle.workflowId, latest.runId);
}

function isResult(value: unknown): value is DeploymentResult {
  return typeof value === 'object' && value !== null && 'status' in value && 'correlationId' in value;
}

/** A result for a workflow ended from outside (terminated, timed out), or whose state could not be read. */
function endedAbnormally(
  workflowId: string,
  environment: string,
  status: 'failed' | 'cancelled',
  error: string,
): DeploymentResult {
  return {
    correlationId: workflowId.slice(deploymentWorkflowId(environment, '').length),
    workflowId,
    environment,
    stackName: null,
    status,
    queuedMs: null,
    durationMs: null,
    error,
  };
}
