// What people are told about a deployment, and where: Slack or the worker log.
import type { DeploymentState } from './deployment';

/** Something worth telling people about a deployment; rendered as a Slack message or a log line. */
export type NoticeKind = 'queued' | 'started' | 'progress' | 'stalled' | 'finished' | 'stale-recovered';

export interface DeploymentNotice {
  kind: NoticeKind;
  deployment: Omit<DeploymentState, 'settings' | 'notificationsFailed' | 'stack'>;
  /** A line of detail: a stack event, a stall, the lock's recovery. */
  detail?: string;
}

/** Where a deployment's one top-level Slack message is, once posted. */
export interface SlackMessageRef {
  channel: string;
  ts: string;
}

/** The GitHub deployment a deployment shows as: the repository that asked, the ref, the GitHub environment. */
export interface GitHubTarget {
  /** owner/name */
  repository: string;
  /** The ref or commit deployed. */
  ref: string;
  environment: string;
  transient: boolean;
  /** The stack output that becomes the status's environment_url. */
  environmentUrlOutput?: string;
}

/** Where a deployment's notices go, decided once when its environment is resolved: Slack (this channel), or the log. */
export type NoticeRoute = { to: 'slack'; channel: string } | { to: 'log' };
