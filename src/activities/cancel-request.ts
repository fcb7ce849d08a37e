// News of a cancel for a running activity the moment the workflow records it, not at the next heartbeat.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Between failed polls: from one second, doubling, to half a minute (the heartbeat still brings the news). */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

function closesWorkflow(event: HistoryEvent): boolean {
  return Boolean(
    event.workflowExecutionCompletedEventAttributes ??
    event.workflowExecutionFailedEventAttributes ??
    event.workflowExecutionTimedOutEventAttributes ??
    event.workflowExecutionCanceledEventAttributes ??
    event.workflowExecutionTerminatedEventAttributes ??
    event.workflowExecutionContinuedAsNewEventAttributes,
  );
}

/**
 * Resolves as soon as the current activity's workflow asks to cancel it, or closes (terminated from the Web UI):
 * a long poll on the workflow's history, which the server answers the moment the request is recorded. A heartbeat
 * brings the same news only at its next flush, up to seconds later, while a revoked holder's deploy command must stop
 * before the turn can pass on. Resolves undefined once `done()` says the activity has ended, with the poll that
 * the activity's own completion event answers: a long poll is never cut off mid-way, which the dev server's SQLite
 * store takes badly under load. On errors it keeps trying; the heartbeat remains the fallback.
 */
export async function cancelRequested(client: Client, done: () => boolean): Promise<'requested' | undefined> {
  const { activityId, workflowExecution, workflowNamespace } = Context.current().info;
  if (!workflowExecution) return undefined;
  let scheduledEventId: string | undefined;
  let nextPageToken: Uint8Array | undefined;
  let retryMs = RETRY_FIRST_MS;
  while (!done()) {
    try {
      const response = await client.workflowService.getWorkflowExecutionHistory({
        namespace: workflowNamespace,
        execution: workflowExecution,
        waitNewEvent: true,
        ...(nextPageToken ? { nextPageToken } : {}),
      });
      for (const event of response.history?.events ?? []) {
        if (event.activityTaskScheduledEventAttributes?.activityId === activityId) {
          scheduledEventId = String(event.eventId);
        }
        const requested = event.activityTaskCancelRequestedEventAttributes?.scheduledEventId;
        if (requested != null && String(requested) === scheduledEventId) return 'requested';
        if (closesWorkflow(event)) return 'requested';
      }
      nextPageToken = response.nextPageToken?.length ? response.nextPageToken : undefined;
      retryMs = RETRY_FIRST_MS;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, retryMs).unref());
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    }
  }
  return undefined;
}
