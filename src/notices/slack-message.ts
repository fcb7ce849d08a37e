// What a deployment looks like in Slack: one top-level message (Block Kit, with a plain-text fallback) that is
// updated as the deployment moves, and thread replies for the details. Pure: no I/O.
import type { KnownBlock } from '@slack/web-api';
import { formatDuration } from '../domain/durations';
import type { DeploymentNotice, DeploymentStatus } from '../contract';

export interface QueuePosition {
  position: number;
  waiting: number;
  holderCorrelationId: string | null;
  etaMs: number;
}

export interface MessageContext {
  webUiUrl: string;
  /** Known when the deployment is waiting behind another one. */
  queue?: QueuePosition;
}

export interface RenderedMessage {
  text: string;
  blocks: KnownBlock[];
  /** Detail for the thread, if this notice has any. */
  threadReply?: string;
}

const STATUS: Record<DeploymentStatus | 'stalled', { emoji: string; label: string }> = {
  pending: { emoji: ':hourglass_flowing_sand:', label: 'Requested' },
  queued: { emoji: ':hourglass_flowing_sand:', label: 'Queued' },
  deploying: { emoji: ':rocket:', label: 'Deploying' },
  stalled: { emoji: ':warning:', label: 'Stalled' },
  succeeded: { emoji: ':white_check_mark:', label: 'Succeeded' },
  failed: { emoji: ':x:', label: 'Failed' },
  cancelled: { emoji: ':no_entry_sign:', label: 'Cancelled' },
  superseded: { emoji: ':fast_forward:', label: 'Superseded' },
  revoked: { emoji: ':octagonal_sign:', label: 'Revoked (force-released)' },
  'timed-out': { emoji: ':alarm_clock:', label: 'Gave up waiting' },
};

/** Slack's mrkdwn needs &, < and > escaped in text that is not a link. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function headline(notice: DeploymentNotice): { emoji: string; label: string } {
  if (notice.kind === 'stalled') return STATUS.stalled;
  if (notice.kind === 'stale-recovered') return { emoji: ':broom:', label: 'Ended without releasing' };
  return STATUS[notice.deployment.status];
}

function statusLine(notice: DeploymentNotice, context: MessageContext): string {
  const d = notice.deployment;
  switch (notice.kind) {
    case 'queued':
      return context.queue
        ? `Waiting: position ${context.queue.position} of ${context.queue.waiting}` +
            (context.queue.holderCorrelationId ? ` behind ${context.queue.holderCorrelationId}` : '') +
            `, about ${formatDuration(context.queue.etaMs)} to go`
        : 'Starting: the environment is free';
    case 'started':
      return 'Deploying now';
    case 'finished': {
      const took =
        d.startedAt !== undefined && d.finishedAt !== undefined
          ? ` in ${formatDuration(d.finishedAt - d.startedAt)}`
          : '';
      const why = d.error ?? d.reason ?? (d.noChanges ? 'no changes, the stack already matched' : undefined);
      const outputs = Object.entries(d.outputs ?? {}).map(([key, value]) => `\n${key} = ${value}`);
      return `${STATUS[d.status].label}${took}${why ? `: ${why}` : ''}${outputs.join('')}`;
    }
    default:
      return notice.detail ?? STATUS[d.status].label;
  }
}

function threadReply(notice: DeploymentNotice, context: MessageContext): string | undefined {
  switch (notice.kind) {
    case 'queued':
      return context.queue
        ? `Queued behind ${context.queue.holderCorrelationId ?? 'another deployment'}: position ${context.queue.position}, estimated wait ${formatDuration(context.queue.etaMs)}`
        : undefined;
    case 'started':
      return undefined;
    case 'finished':
      return statusLine(notice, context);
    default:
      return notice.detail;
  }
}

export function renderDeploymentMessage(notice: DeploymentNotice, context: MessageContext): RenderedMessage {
  const d = notice.deployment;
  const { emoji, label } = headline(notice);
  const stack = d.stackName ?? '(stack pending)';
  const title = `${emoji} ${label}: ${stack} → ${d.environment}`;
  const line = statusLine(notice, context);
  const links = [`<${context.webUiUrl}|Temporal Web UI>`, ...(d.ciRunUrl ? [`<${d.ciRunUrl}|CI run>`] : [])].join(
    ' · ',
  );
  const fields = [
    `*Correlation ID*\n${escape(d.correlationId)}`,
    `*Environment*\n${escape(d.environment)}`,
    `*Stack*\n${escape(stack)}`,
    `*Ref*\n${escape(d.ref ?? '-')}`,
  ];
  const text = [
    title,
    line,
    `correlation ID ${d.correlationId}, environment ${d.environment}, stack ${stack}, ref ${d.ref ?? '-'}`,
    `Web UI: ${context.webUiUrl}`,
    ...(d.ciRunUrl ? [`CI run: ${d.ciRunUrl}`] : []),
  ].join('\n');
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: escape(line) } },
    { type: 'section', fields: fields.map((field) => ({ type: 'mrkdwn' as const, text: field })) },
    { type: 'context', elements: [{ type: 'mrkdwn', text: links }] },
  ];
  const reply = threadReply(notice, context);
  return { text, blocks, ...(reply === undefined ? {} : { threadReply: reply }) };
}
