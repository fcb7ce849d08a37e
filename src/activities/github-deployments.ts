// Shows a deployment where a GitHub team looks: a GitHub deployment of the repository that asked, whose status follows
// the workflow (queued, in_progress, then its outcome). Best effort and bounded like Slack: a GitHub that is down or
// rate limited fails the notice after the notify timeout; the deployment never waits for it.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Octokit } from '@octokit/core';
import { webUiLink } from '../connection/temporal-target';
import { type DeploymentNotice, FAILURE, type GitHubTarget } from '../contract';
import { githubStatus } from '../notices/github-status';
import type { GitHubClients } from './github-client';

export interface ReportGitHubInput {
  target: GitHubTarget;
  notice: DeploymentNotice;
  /** The GitHub deployment made for this deployment, once there is one (kept in workflow state). */
  deploymentId?: number;
  /**
   * An earlier report may have made the GitHub deployment without the workflow hearing of it (an attempt lost with
   * its worker or timed out, or the run before a reset from the Web UI): it is looked for before one is made.
   */
  mayExist?: boolean;
}

export interface ReportGitHubResult {
  deploymentId?: number;
}

/** What an attempt has done already, kept in heartbeat details so that a retry does not create a second deployment. */
interface Progress {
  deploymentId?: number;
}

/** Rate limits: how long GitHub asks us to wait, from retry-after or the limit's reset time. */
function retryDelaySeconds(headers: Record<string, string | undefined>): number | undefined {
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter > 0) return retryAfter;
  if (headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    if (Number.isFinite(reset)) return Math.max(1, Math.ceil(reset - Date.now() / 1000));
  }
  return undefined;
}

/**
 * A failure that says what GitHub answered and nothing else (Octokit's errors carry the request). A rate limit is
 * retried after the time GitHub asks for; a refusal that retrying cannot fix (credentials, permissions, an unknown
 * repository or ref) is not retried.
 */
export function githubFailure(what: string, err: unknown): ApplicationFailure {
  const error = err as { status?: number; response?: { headers?: Record<string, string>; data?: unknown } };
  const status = typeof error.status === 'number' ? error.status : undefined;
  const headers = error.response?.headers ?? {};
  const data = error.response?.data as { message?: unknown } | undefined;
  const said = typeof data?.message === 'string' ? `: ${data.message.slice(0, 200)}` : '';
  const wait = status === 429 || status === 403 ? retryDelaySeconds(headers) : undefined;
  if (wait !== undefined) {
    return ApplicationFailure.create({
      message: `GitHub ${what}: rate limited, retry after ${wait}s`,
      type: FAILURE.githubUnavailable,
      nextRetryDelay: `${wait}s`,
    });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return ApplicationFailure.create({
      message: `GitHub ${what}: HTTP ${status}${said}`,
      type: FAILURE.githubRejected,
      nonRetryable: status !== 408 && status !== 409,
    });
  }
  return ApplicationFailure.create({
    message: `GitHub ${what}: ${status === undefined ? 'no answer' : `HTTP ${status}`}`,
    type: FAILURE.githubUnavailable,
  });
}

async function call<T>(what: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    throw githubFailure(what, err);
  }
}

export function createReportGitHubDeployment(clients: GitHubClients | undefined) {
  /** A retried creation may have reached GitHub before the worker was lost: find it by the payload's workflow ID. */
  async function findOwn(octokit: Octokit, target: GitHubTarget, ref: string, workflowId: string) {
    const [owner, repo] = target.repository.split('/') as [string, string];
    const { data } = await call('list deployments', () =>
      octokit.request('GET /repos/{owner}/{repo}/deployments', {
        owner,
        repo,
        environment: target.environment,
        ref,
        per_page: 100,
      }),
    );
    const own = data.find((deployment) => {
      const payload = deployment.payload as { workflowId?: unknown } | string;
      return typeof payload === 'object' && payload?.workflowId === workflowId;
    });
    return own === undefined ? undefined : Number(own.id);
  }

  return async function reportGitHubDeployment(input: ReportGitHubInput): Promise<ReportGitHubResult> {
    const { target, notice, mayExist } = input;
    const status = githubStatus(notice);
    const context = Context.current();
    if (!clients || !status) return withId(input.deploymentId);
    const d = notice.deployment;
    const ref = target.ref;
    const [owner, repo] = target.repository.split('/') as [string, string];
    const octokit = await call('installation', () => clients.forRepository(target.repository));
    const progress: Progress = { ...(context.info.heartbeatDetails as Progress | undefined) };
    let deploymentId = input.deploymentId ?? progress.deploymentId;
    if (deploymentId === undefined && (context.info.attempt > 1 || mayExist === true)) {
      deploymentId = await findOwn(octokit, target, ref, d.workflowId);
    }
    if (deploymentId === undefined) {
      const { data } = await call('create deployment', () =>
        octokit.request('POST /repos/{owner}/{repo}/deployments', {
          owner,
          repo,
          ref,
          environment: target.environment,
          task: 'deploy',
          // The coordinator decides when it deploys: no merge of the default branch, no wait for commit checks.
          auto_merge: false,
          required_contexts: [],
          payload: { workflowId: d.workflowId, correlationId: d.correlationId },
          description: `${d.stackName ?? d.environment} (${d.correlationId})`.slice(0, 140),
          transient_environment: target.transient,
        }),
      );
      // (A 202 is GitHub's answer to an auto-merge, which is off: anything without an ID is not a deployment.)
      if (!('id' in data)) throw githubFailure('create deployment', { status: 202 });
      // (Octokit reads numbers past 2^53 as bigint; a deployment ID is far below that, and state must be JSON.)
      deploymentId = Number(data.id);
    }
    progress.deploymentId = deploymentId;
    context.heartbeat(progress);
    const id = deploymentId;
    const environmentUrl = target.environmentUrlOutput ? d.outputs?.[target.environmentUrlOutput] : undefined;
    await call(`${status.state} status`, () =>
      octokit.request('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
        owner,
        repo,
        deployment_id: id,
        state: status.state,
        description: status.description,
        log_url: webUiLink(context.info.workflowNamespace ?? 'default', d.workflowId),
        ...(environmentUrl ? { environment_url: environmentUrl } : {}),
        // Earlier deployments of the environment stop showing as active once this one succeeds.
        ...(status.state === 'success' ? { auto_inactive: true } : {}),
      }),
    );
    return { deploymentId: id };
  };
}

const withId = (deploymentId: number | undefined): ReportGitHubResult =>
  deploymentId === undefined ? {} : { deploymentId };
