// What a deployment looks like in Slack: one top-level message (Block Kit, with a plain-text fallback) that is
// updated as the deployment moves, and thread replies for the details. Pure: no I/O.
import type { KnownBlock } from '@slack/web-api';
import type { DeploymentNotice } from '../contract';
import { formatDuration } from '../domain/durations';
import { requesterWords, verifiedOf } from '../domain/id-token-claims';
import { present } from '../domain/present';
import type { QueuePosition } from '../domain/queue-position';
import { headline, statusLine, subject } from './wording';

export interface MessageContext {
  webUiUrl: string;
  /** Where a queued deployment waits (null: the environment was free); looked up for queued notices only. */
  queue?: QueuePosition | null;
}

export interface RenderedMessage {
  text: string;
  blocks: KnownBlock[];
  /** Detail for the thread, if this notice has any. */
  threadReply?: string;
}

/** Slack's mrkdwn needs &, < and > escaped in text that is not a link. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function threadReply(notice: DeploymentNotice, context: MessageContext): string | undefined {
  switch (notice.kind) {
    case 'queued':
      return context.queue
        ? `Queued behind ${context.queue.holderCorrelationId ?? 'another deployment'}: ` +
            `position ${context.queue.position}, estimated wait ${formatDuration(context.queue.etaMs)}`
        : undefined;
    case 'started':
      return undefined;
    case 'finished':
      return statusLine(notice, context.queue);
    default:
      return notice.detail;
  }
}

export function renderDeploymentMessage(notice: DeploymentNotice, context: MessageContext): RenderedMessage {
  const d = notice.deployment;
  const { emoji, label } = headline(notice);
  const stack = d.stackName ?? '(stack pending)';
  const title = `${emoji} ${label}: ${subject(notice)}`;
  const line = statusLine(notice, context.queue);
  const links = [`<${context.webUiUrl}|Temporal Web UI>`, ...(d.ciRunUrl ? [`<${d.ciRunUrl}|CI run>`] : [])].join(
    ' · ',
  );
  const requester = requesterWords(d.requestedBy, verifiedOf(d), d.identity);
  const fields = [
    `*Correlation ID*\n${escape(d.correlationId)}`,
    `*Environment*\n${escape(d.environment)}`,
    `*Stack*\n${escape(stack)}`,
    `*Ref*\n${escape(d.ref ?? '-')}`,
    ...(requester === undefined ? [] : [`*Requested by*\n${escape(requester)}`]),
  ];
  const text = [
    title,
    line,
    `correlation ID ${d.correlationId}, environment ${d.environment}, stack ${stack}, ref ${d.ref ?? '-'}` +
      (requester === undefined ? '' : `, requested by ${requester}`),
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
  return { text, blocks, ...present({ threadReply: reply }) };
}
