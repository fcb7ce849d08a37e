// A notice as one line of the worker's log, for environments without Slack: the same words as the Slack message.
import type { DeploymentNotice } from '../contract';
import { headline, statusLine, subject } from './wording';

export interface LogLine {
  message: string;
  fields: { notice: string; correlationId: string; detail?: string };
}

export function renderLogLine(notice: DeploymentNotice): LogLine {
  const line = statusLine(notice).replace(/\n/g, '; ');
  return {
    message: `${headline(notice).label}: ${subject(notice)}: ${line}`,
    fields: {
      notice: notice.kind,
      correlationId: notice.deployment.correlationId,
      ...(notice.detail && notice.detail !== line ? { detail: notice.detail } : {}),
    },
  };
}
