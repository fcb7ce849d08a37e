// News of a cancel for a running activity the moment the workflow records it, not at the next heartbeat.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const RETRY_AFTER_MS = 1000;

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
 * before the turn can pass on. Never rejects except when `signal` aborts it; on errors it keeps trying, and the
 * heartbeat remains the fallback.
 */
export async function cancelRequested(client: Client, signal: AbortSignal): Promise<void> {
  const { activityId, workflowExecution, workflowNamespace } = Context.current().info;
  if (!workflowExecution) return new Promise(() => undefined);
  let scheduledEventId: string | undefined;
  let nextPageToken: Uint8Array | undefined;
  for (;;) {
    try {
      const response = await client.withAbortSignal(signal, () =>
        client.workflowService.getWorkflowExecutionHistory({
          namespace: workflowNamespace,
          execution: workflowExecution,
          waitNewEvent: true,
          ...(nextPageToken ? { nextPageToken } : {}),
        }),
      );
      for (const event of response.history?.events ?? []) {
        if (event.activityTaskScheduledEventAttributes?.activityId === activityId) {
          scheduledEventId = String(event.eventId);
        }
        const requested = event.activityTaskCancelRequestedEventAttributes?.scheduledEventId;
        if (requested != null && String(requested) === scheduledEventId) return;
        if (closesWorkflow(event)) return;
      }
      nextPageToken = response.nextPageToken?.length ? response.nextPageToken : undefined;
    } catch (err) {
      if (signal.aborted) throw err;
      await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_MS).unref());
    }
  }
}
