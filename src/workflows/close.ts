// How a deployment workflow ends: with the close status that says its outcome, in the Web UI and in visibility.
import { ApplicationFailure, CancellationScope, CancelledFailure, upsertMemo } from '@temporalio/workflow';
import { CLOSE_FAILURE, type DeploymentMemo, type DeploymentResult } from '../contract';
import { recordFinished, recordRollback } from './metrics';

/**
 * Returns the result of a deployment that succeeded (or was superseded: it gave way, as its environment asks, and
 * nothing needs doing); throws for the others, so that the workflow fails with a type naming the outcome and the
 * result in its details, or ends Canceled when Temporal's cancel was requested (the Web UI, `deployctl cancel`).
 * The memo gets the result first, for `deployctl history` to list from visibility alone.
 */
export function close(result: DeploymentResult, request: Omit<DeploymentMemo, 'result'>): DeploymentResult {
  recordFinished(result);
  if (result.rollbackOf !== undefined) recordRollback(result);
  upsertMemo({ ...request, result });
  const { status } = result;
  if (status === 'succeeded' || status === 'superseded') return result;
  const message = result.error ?? status;
  // The root scope is cancelled only by Temporal's cancel request; the SDK then closes the workflow Canceled.
  if (status === 'cancelled' && CancellationScope.current().consideredCancelled) throw new CancelledFailure(message);
  const type =
    status === 'failed' ||
    status === 'timed-out' ||
    status === 'cancelled' ||
    status === 'revoked' ||
    status === 'refused' ||
    status === 'rejected'
      ? CLOSE_FAILURE[status]
      : CLOSE_FAILURE.failed;
  throw ApplicationFailure.create({ type, message, nonRetryable: true, details: [result] });
}
