// Sends a deployment's notices in order, in the background: Slack is a window onto the deployment and never holds
// a deploy step back. Each notice is bounded (retries included) by the environment's notify timeout.
import { CancellationScope, condition, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { renderDeploymentMessage } from '../notices/slack-message';
import type { DeploymentNotice, SlackMessageRef } from '../contract';

export const DEFAULT_NOTIFY_TIMEOUT_MS = 30_000;
export const NOTIFICATIONS_PATCH = 'notifications';

export class Notifier {
  private readonly pending: DeploymentNotice[] = [];
  private sending = false;
  /** The deployment's top-level Slack message: kept in workflow state, so retries and restarts update it. */
  private message: SlackMessageRef | undefined;

  constructor(
    private timeoutMs: number,
    private readonly onFailure: (error: string) => void,
  ) {}

  private logOnly = false;

  /** The environment's settings: its notify timeout, and whether Slack is on at all. */
  configure(timeoutMs: number, notifyTo: 'slack' | 'log' | undefined): void {
    this.timeoutMs = timeoutMs;
    this.logOnly = notifyTo === 'log';
  }

  send(notice: DeploymentNotice): void {
    if (this.logOnly) {
      // No Slack on this worker: the workflow's own log line, without an activity per notice.
      log.info(renderDeploymentMessage(notice, { webUiUrl: '' }).text.split('\n').slice(0, 2).join(': '), {
        notice: notice.kind,
        correlationId: notice.deployment.correlationId,
        ...(notice.detail ? { detail: notice.detail } : {}),
      });
      return;
    }
    // The outcome makes notices still waiting to be sent stale: the message will show the outcome anyway.
    if (notice.kind === 'finished') this.pending.length = 0;
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
        const { notifyDeployment } = proxyActivities<Activities>({
          scheduleToCloseTimeout: this.timeoutMs,
          startToCloseTimeout: Math.min(this.timeoutMs, 10_000),
          retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
        });
        try {
          const result = await notifyDeployment({ notice, ...(this.message ? { message: this.message } : {}) });
          this.message = result.message ?? this.message;
        } catch (err) {
          const error = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
          log.warn('Notification not delivered', { notice: notice.kind, error });
          this.onFailure(error);
        }
      }
    });
    this.sending = false;
  }
}
