// What a CloudFormation stack status means for a deployment. Pure: workflow code uses it.
import type { StackEvent, StackProgress } from '../contract/stack';

export type StackPhase = 'absent' | 'stable' | 'in-progress' | 'failed' | 'rollback-failed';

export function stackPhase(status: string | undefined): StackPhase {
  if (status === undefined || status === 'DELETE_COMPLETE') return 'absent';
  // A stack created by a change set that was never executed has nothing running.
  if (status === 'REVIEW_IN_PROGRESS') return 'stable';
  if (status.endsWith('_IN_PROGRESS')) return 'in-progress';
  if (status === 'UPDATE_ROLLBACK_FAILED') return 'rollback-failed';
  if (status.endsWith('_FAILED')) return 'failed';
  return 'stable';
}

/** Whether a settled stack status is the success of the operation that led to it. */
export function isSuccess(status: string): boolean {
  return ['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE'].includes(status);
}

/** Folds new events (oldest first, deduplicated by id against `lastEventId`) into the progress so far. */
export function applyEvents(progress: StackProgress, stackName: string, events: readonly StackEvent[]): StackProgress {
  const resources = { ...progress.resources };
  let { lastEvent, firstFailure, lastEventId } = progress;
  for (const event of events) {
    if (event.eventId === lastEventId) continue;
    lastEventId = event.eventId;
    lastEvent = {
      at: event.timestamp,
      resource: event.logicalResourceId,
      status: event.resourceStatus,
      ...(event.reason ? { reason: event.reason } : {}),
    };
    if (event.logicalResourceId === stackName) continue;
    resources[event.logicalResourceId] = event.resourceStatus;
    if (!firstFailure && event.resourceStatus.endsWith('_FAILED')) {
      firstFailure = {
        resource: event.logicalResourceId,
        status: event.resourceStatus,
        reason: event.reason ?? 'no reason given',
      };
    }
  }
  const statuses = Object.values(resources);
  return {
    ...progress,
    resources,
    done: statuses.filter((status) => status.endsWith('_COMPLETE')).length,
    inFlight: statuses.filter((status) => status.endsWith('_IN_PROGRESS')).length,
    failed: statuses.filter((status) => status.endsWith('_FAILED')).length,
    ...(lastEvent ? { lastEvent } : {}),
    ...(firstFailure ? { firstFailure } : {}),
    ...(lastEventId ? { lastEventId } : {}),
  };
}

/** How a watched deployment left its stack: why it failed, or undefined when the stack is fine. */
export function stackFailure(
  stackName: string,
  progress: StackProgress,
  watch: { changed: boolean; stallCancelled: boolean },
): string | undefined {
  // A stack that saw no event of this deployment was not changed by it (no changes, or a command that deploys
  // elsewhere): its settled status says nothing about this deployment.
  if (!watch.changed || isSuccess(progress.status)) return undefined;
  const first = progress.firstFailure;
  const cause = watch.stallCancelled
    ? 'the update stalled and was cancelled'
    : first
      ? `first failure: ${first.resource} ${first.status}: ${first.reason}`
      : 'no resource failure was reported';
  const operator =
    stackPhase(progress.status) === 'rollback-failed'
      ? '; an operator must fix the resources that failed to roll back and continue the rollback'
      : '';
  return `stack ${stackName} ended ${progress.status} (${cause})${operator}`;
}
