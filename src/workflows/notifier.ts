// Sends a deployment's notices in order, in the background: Slack is a window onto the deployment and never holds
// a deploy step back. Each notice is bounded (retries included) by the environment's notify timeout.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  log,
  workflowInfo,
} from '@temporalio/workflow';
import type { DeploymentNotice, NoticeKind, NoticeRoute, SlackMessageRef } from '../contract';
import { present } from '../domain/present';
import { renderLogLine } from '../notices/log-line';
import { DEFAULT_NOTIFY_TIMEOUT_MS, noticeCalls } from './activity-options';

/** A notice for the worker log, written by the workflow itself: no activity per notice where there is no Slack. */
export function logNotice(notice: DeploymentNotice): void {
  const { message, fields } = renderLogLine(notice);
  log.info(message, fields);
}

/**
 * Sends one notice the way its route says; `message` is the deployment's Slack message so far. Without a route (a
 * request refused before its environment was resolved), the notify activity decides from the worker's config.
 */
export async function deliverNotice(
  notice: DeploymentNotice,
  route: NoticeRoute | undefined,
  timeoutMs: number,
  message?: SlackMessageRef,
  rerun = false,
): Promise<SlackMessageRef | undefined> {
  if (route?.to === 'log') {
    logNotice(notice);
    return message;
  }
  const result = await noticeCalls(timeoutMs).notifyDeployment({
    notice,
    ...present({ channel: route?.channel, message, rerun: rerun && !message ? true : undefined }),
  });
  return result.message ?? message;
}

/**
 * A deployment run again from the Web UI (reset): a new run of the same workflow, whose first post updates the
 * message of the run before it instead of posting another. (A deployment never continues as new.)
 */
function isRerun(): boolean {
  const { runId, firstExecutionRunId } = workflowInfo();
  return runId !== firstExecutionRunId;
}

/** Notices whose only news is the deployment's status, which its outcome replaces. */
const SUPERSEDED_BY_OUTCOME: ReadonlySet<NoticeKind> = new Set(['queued', 'started']);

export class Notifier {
  private pending: DeploymentNotice[] = [];
  private sending = false;
  /** The deployment's top-level Slack message: kept in workflow state, so retries and restarts update it. */
  private message: SlackMessageRef | undefined;
  private timeoutMs = DEFAULT_NOTIFY_TIMEOUT_MS;
  /** Unknown until the environment is resolved. */
  private route: NoticeRoute | undefined;

  constructor(private readonly onFailure: (error: string) => void) {}

  /** The environment's notify timeout, and where its notices go. */
  configure(timeoutMs: number, route: NoticeRoute): void {
    this.timeoutMs = timeoutMs;
    this.route = route;
  }

  send(notice: DeploymentNotice): void {
    if (this.route?.to === 'log') {
      // In order by construction: nothing is waiting to be sent on this route.
      logNotice(notice);
      return;
    }
    // The outcome makes a queued or started notice still waiting to be sent stale (the message will show the outcome
    // anyway); details for the thread (progress, a stall) are kept.
    if (notice.kind === 'finished')
      this.pending = this.pending.filter((waiting) => !SUPERSEDED_BY_OUTCOME.has(waiting.kind));
    this.pending.push(notice);
    if (!this.sending) void this.sendPending();
  }

  /**
   * Waits until every notice sent so far has been delivered or given up on, but at most one notify timeout:
   * a deployment ends at most that long after its outcome. Returns how many notices were left undelivered.
   */
  async flush(): Promise<number> {
    const idle = () => !this.sending && this.pending.length === 0;
    if (await condition(idle, this.timeoutMs)) return 0;
    return this.pending.length + (this.sending ? 1 : 0);
  }

  private async sendPending(): Promise<void> {
    this.sending = true;
    // Notices outlive a cancelled deployment: the cancellation itself is news.
    await CancellationScope.nonCancellable(async () => {
      for (let notice = this.pending.shift(); notice; notice = this.pending.shift()) {
        try {
          this.message = await deliverNotice(notice, this.route, this.timeoutMs, this.message, isRerun());
        } catch (err) {
          const cause = err instanceof ActivityFailure ? (err.cause ?? err) : err;
          const error = cause instanceof Error ? cause.message : String(cause);
          // SlackRejected wants a person (token, scopes, channel); SlackUnavailable passes.
          const type = cause instanceof ApplicationFailure ? cause.type : undefined;
          log.warn('Notification not delivered', { notice: notice.kind, error, ...(type ? { type } : {}) });
          this.onFailure(error);
        }
      }
    });
    this.sending = false;
  }
}
