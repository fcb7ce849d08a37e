// What a notice says on GitHub: a deployment status (its state and a description of at most 140 characters).
import type { DeploymentNotice, DeploymentStatus, NoticeKind } from '../contract';
import { statusLine } from './wording';

/** The states of a GitHub deployment status that the coordinator sets. */
export type GitHubState = 'queued' | 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

export interface GitHubStatus {
  state: GitHubState;
  description: string;
}

/** The notices that set a status; the others (progress, a stall) are for the Slack thread and the log. */
export const GITHUB_NOTICES: ReadonlySet<NoticeKind> = new Set(['queued', 'started', 'finished']);

/** GitHub refuses longer descriptions (422). */
export const GITHUB_DESCRIPTION_MAX = 140;

/**
 * A final status as GitHub shows it. A deployment that held the environment and did not succeed leaves it in doubt
 * (`error`: somebody should look); one that never held it changed nothing (`inactive`: the environment keeps showing
 * its last success). Failed means the deploy step or the stack failed (`failure`).
 */
function finalState(d: DeploymentNotice['deployment']): GitHubState {
  const outcome: Partial<Record<DeploymentStatus, GitHubState>> = { succeeded: 'success', failed: 'failure' };
  return outcome[d.status] ?? (d.startedAt !== undefined ? 'error' : 'inactive');
}

/** The first line of a notice's status line, cut to GitHub's limit. */
function described(notice: DeploymentNotice): string {
  const line = statusLine(notice).split('\n')[0] ?? '';
  return line.length <= GITHUB_DESCRIPTION_MAX ? line : `${line.slice(0, GITHUB_DESCRIPTION_MAX - 1)}…`;
}

/**
 * The status a notice sets on the deployment's GitHub deployment; undefined for notices that change no status
 * (progress, a stall: the Slack thread and the log carry those).
 */
export function githubStatus(notice: DeploymentNotice): GitHubStatus | undefined {
  switch (notice.kind) {
    case 'queued':
      return { state: 'queued', description: described(notice) };
    case 'started':
      return { state: 'in_progress', description: described(notice) };
    case 'finished':
      return { state: finalState(notice.deployment), description: described(notice) };
    default:
      return undefined;
  }
}
