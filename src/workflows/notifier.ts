// Sends a deployment's notices in order, in the background, to each place that shows it: Slack (or the worker log) and
// the GitHub deployment of the repository that asked. Each is a window onto the deployment and never holds a deploy
// step back; each notice is bounded (retries included) by the environment's notify timeout.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  log,
  workflowInfo,
} from '@temporalio/workflow';
import type { DeploymentNotice, GitHubTarget, NoticeKind, NoticeRoute, SlackMessageRef } from '../contract';
import { present } from '../domain/present';
import { renderLogLine } from '../notices/log-line';
import { GITHUB_NOTICES } from '../notices/github-status';
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

/** One place's notices, delivered one at a time in the order sent; a failed one is reported and the next goes on. */
class NoticeQueue {
  private pending: DeploymentNotice[] = [];
  private sending = false;

  constructor(
    private readonly deliver: (notice: DeploymentNotice) => Promise<void>,
    private readonly failed: (notice: DeploymentNotice, err: unknown) => void,
  ) {}

  send(notice: DeploymentNotice): void {
    // The outcome makes a queued or started notice still waiting to be sent stale (the outcome shows anyway);
    // details for the thread (progress, a stall) are kept.
    if (notice.kind === 'finished')
      this.pending = this.pending.filter((waiting) => !SUPERSEDED_BY_OUTCOME.has(waiting.kind));
    this.pending.push(notice);
    if (!this.sending) void this.sendPending();
  }

  idle(): boolean {
    return !this.sending && this.pending.length === 0;
  }

  /** Notices not delivered yet, the one on its way included. */
  waiting(): number {
    return this.pending.length + (this.sending ? 1 : 0);
  }

  private async sendPending(): Promise<void> {
    this.sending = true;
    // Notices outlive a cancelled deployment: the cancellation itself is news.
    await CancellationScope.nonCancellable(async () => {
      for (let notice = this.pending.shift(); notice; notice = this.pending.shift()) {
        try {
          await this.deliver(notice);
        } catch (err) {
          this.failed(notice, err);
        }
      }
    });
    this.sending = false;
  }
}

export class Notifier {
  /** The deployment's top-level Slack message: kept in workflow state, so retries and restarts update it. */
  private message: SlackMessageRef | undefined;
  /** The GitHub deployment made for it, kept the same way: a retry or a new worker never makes a second. */
  private githubDeployment: number | undefined;
  /** A report went out without bringing the deployment's ID back: GitHub may have made it all the same. */
  private githubTried = false;
  private timeoutMs = DEFAULT_NOTIFY_TIMEOUT_MS;
  /** Unknown until the environment is resolved. */
  private route: NoticeRoute | undefined;
  /** Set once the request is admitted, when it names a repository and the worker reports to GitHub. */
  private github: GitHubTarget | undefined;
  private readonly slack = new NoticeQueue(
    async (notice) => {
      this.message = await deliverNotice(notice, this.route, this.timeoutMs, this.message, isRerun());
    },
    (notice, err) => this.failed('Notification not delivered', notice, err),
  );
  private readonly githubQueue = new NoticeQueue(
    async (notice) => {
      const unknown = this.githubDeployment === undefined;
      const report = noticeCalls(this.timeoutMs).reportGitHubDeployment({
        target: this.github!,
        notice,
        ...present({
          deploymentId: this.githubDeployment,
          mayExist: unknown && (this.githubTried || isRerun()) ? true : undefined,
        }),
      });
      this.githubTried = true;
      const result = await report;
      this.githubDeployment = result.deploymentId ?? this.githubDeployment;
    },
    (notice, err) => this.failed('GitHub deployment status not set', notice, err),
  );

  constructor(private readonly onFailure: (error: string) => void) {}

  /** The environment's notify timeout, and where its notices go. */
  configure(timeoutMs: number, route: NoticeRoute): void {
    this.timeoutMs = timeoutMs;
    this.route = route;
  }

  /** Shows the deployment as a GitHub deployment from here on (its environment's, of the repository that asked). */
  reportTo(github: GitHubTarget): void {
    this.github = github;
  }

  send(notice: DeploymentNotice): void {
    if (this.github && GITHUB_NOTICES.has(notice.kind)) this.githubQueue.send(notice);
    if (this.route?.to === 'log') {
      // In order by construction: nothing is waiting to be sent on this route.
      logNotice(notice);
      return;
    }
    this.slack.send(notice);
  }

  /**
   * Waits until every notice sent so far has been delivered or given up on, but at most one notify timeout:
   * a deployment ends at most that long after its outcome. Returns how many notices were left undelivered.
   */
  async flush(): Promise<number> {
    const idle = () => this.slack.idle() && this.githubQueue.idle();
    if (await condition(idle, this.timeoutMs)) return 0;
    return this.slack.waiting() + this.githubQueue.waiting();
  }

  private failed(what: string, notice: DeploymentNotice, err: unknown): void {
    const cause = err instanceof ActivityFailure ? (err.cause ?? err) : err;
    const error = cause instanceof Error ? cause.message : String(cause);
    // SlackRejected or GitHubRejected want a person (token, scopes, channel, repository); *Unavailable passes.
    const type = cause instanceof ApplicationFailure ? cause.type : undefined;
    log.warn(what, { notice: notice.kind, error, ...(type ? { type } : {}) });
    this.onFailure(error);
  }
}
