import { ErrorCode, type WebClient } from '@slack/web-api';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { DeployConfig } from '../config/deploy-config';
import { lockWorkflowId } from '../contract/names';
import { webUiLink } from '../connection/temporal-target';
import { type DeploymentNotice, queueQuery, type SlackMessageRef } from '../contract';
import { type QueuePosition, queuePosition } from '../domain/queue-position';
import { present } from '../domain/present';
import { renderLogLine } from '../notices/log-line';
import { renderDeploymentMessage } from '../notices/slack-message';
import { FAILURE } from '../contract';

export interface NotifyDeploymentInput {
  notice: DeploymentNotice;
  /**
   * The Slack channel, as the deployment resolved it with its environment. Absent for a request refused before its
   * environment was resolved: the worker's config then names it.
   */
  channel?: string;
  /** The deployment's top-level message, once there is one. */
  message?: SlackMessageRef;
  /** A run reset from the Web UI: the message of the run before it is found and updated, not posted again. */
  rerun?: boolean;
}

export interface NotifyDeploymentResult {
  message?: SlackMessageRef;
}

/** What an attempt has done already, kept in heartbeat details so that a retry does not do it twice. */
interface Progress {
  message?: SlackMessageRef;
  replied?: boolean;
}

const METADATA_EVENT = 'deployment_coordinator';
// Configuration problems: retrying cannot fix them.
const PERMANENT = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'missing_scope',
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_blocks',
  'msg_too_long',
]);
const CHANNEL_ID = /^[CGD][A-Z0-9]{6,}$/;

/** A failure that says what Slack answered and nothing else: the client's own errors carry request details. */
function slackFailure(what: string, err: unknown): ApplicationFailure {
  const error = err as { code?: string; data?: { error?: string }; retryAfter?: number; statusCode?: number };
  switch (error.code) {
    case ErrorCode.RateLimitedError:
      return ApplicationFailure.create({
        message: `Slack ${what}: rate limited, retry after ${error.retryAfter ?? 1}s`,
        type: FAILURE.slackUnavailable,
        nextRetryDelay: `${error.retryAfter ?? 1}s`,
      });
    case ErrorCode.PlatformError: {
      const code = error.data?.error ?? 'unknown_error';
      return ApplicationFailure.create({
        message: `Slack ${what}: ${code}`,
        type: FAILURE.slackRejected,
        nonRetryable: PERMANENT.has(code),
      });
    }
    case ErrorCode.HTTPError:
      return ApplicationFailure.create({
        message: `Slack ${what}: HTTP ${error.statusCode}`,
        type: FAILURE.slackUnavailable,
      });
    default:
      return ApplicationFailure.create({ message: `Slack ${what}: request failed`, type: FAILURE.slackUnavailable });
  }
}

async function call<T>(what: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    throw slackFailure(what, err);
  }
}

export function createNotifyDeployment(slack: WebClient | undefined, config: DeployConfig, client: Client) {
  const channelIds = new Map<string, string>();

  async function channelId(channel: string): Promise<string> {
    if (CHANNEL_ID.test(channel)) return channel;
    const name = channel.replace(/^#/, '');
    const known = channelIds.get(name);
    if (known) return known;
    let cursor: string | undefined;
    do {
      const page = await call('conversations.list', () =>
        slack!.conversations.list({
          types: 'public_channel,private_channel',
          exclude_archived: true,
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        }),
      );
      for (const found of page.channels ?? []) {
        if (found.name && found.id) channelIds.set(found.name, found.id);
      }
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor && !channelIds.has(name));
    const id = channelIds.get(name);
    if (!id)
      throw slackFailure(`channel ${channel}`, { code: ErrorCode.PlatformError, data: { error: 'channel_not_found' } });
    return id;
  }

  /** A retried first post may have reached Slack before the worker was lost: find it by its metadata. */
  async function findOwnMessage(
    channel: string,
    notice: DeploymentNotice,
    rerun: boolean,
  ): Promise<SlackMessageRef | undefined> {
    const history = await call('conversations.history', () =>
      slack!.conversations.history({
        channel,
        // A rerun's request time is its reset's: the message it looks for is older, among the channel's latest.
        ...(rerun ? {} : { oldest: String(Math.floor(notice.deployment.requestedAt / 1000) - 60) }),
        include_all_metadata: true,
        limit: 200,
      }),
    );
    const own = history.messages?.find(
      (message) =>
        message.metadata?.event_type === METADATA_EVENT &&
        (message.metadata.event_payload as { workflowId?: string } | undefined)?.workflowId ===
          notice.deployment.workflowId,
    );
    return own?.ts ? { channel, ts: own.ts } : undefined;
  }

  /**
   * Where a queued deployment waits; null when nobody holds the turn and the environment is open (the grant is on its
   * way: not news).
   */
  async function whereQueued(notice: DeploymentNotice): Promise<QueuePosition | null | undefined> {
    const view = await client.workflow
      .getHandle(lockWorkflowId(notice.deployment.environment))
      .query(queueQuery)
      .catch(() => undefined);
    if (!view) return undefined;
    return ((view.holder || view.closure) && queuePosition(view, notice.deployment.workflowId)) || null;
  }

  /** Tells people about a deployment: updates its one top-level Slack message and adds details in its thread. */
  return async function notifyDeployment(input: NotifyDeploymentInput): Promise<NotifyDeploymentResult> {
    const { notice, message, rerun } = input;
    const context = Context.current();
    const channel = input.channel ?? config.environments[notice.deployment.environment]?.slackChannel;
    if (!slack || !channel) {
      // A worker without a Slack token, or an environment without a channel: the log gets it.
      const { message: line, fields } = renderLogLine(notice);
      context.log.info(line, fields);
      return message ? { message } : {};
    }
    const webUiUrl = webUiLink(context.info.workflowNamespace ?? 'default', notice.deployment.workflowId);
    const queue = notice.kind === 'queued' ? await whereQueued(notice) : undefined;
    const rendered = renderDeploymentMessage(notice, { webUiUrl, ...present({ queue }) });

    const progress: Progress = { ...(context.info.heartbeatDetails as Progress | undefined) };
    const id = message?.channel ?? progress.message?.channel ?? (await channelId(channel));
    let ref = message ?? progress.message;
    // The lock knows no message of the stale holder's; a retried first post may already have reached Slack.
    const mayExist = context.info.attempt > 1 || notice.kind === 'stale-recovered' || rerun === true;
    if (!ref && mayExist) ref = await findOwnMessage(id, notice, rerun === true);
    const metadata = { event_type: METADATA_EVENT, event_payload: { workflowId: notice.deployment.workflowId } };
    if (ref) {
      const { channel: refChannel, ts } = ref;
      await call('chat.update', () =>
        slack.chat.update({ channel: refChannel, ts, text: rendered.text, blocks: rendered.blocks, metadata }),
      );
    } else {
      const posted = await call('chat.postMessage', () =>
        slack.chat.postMessage({ channel: id, text: rendered.text, blocks: rendered.blocks, metadata }),
      );
      if (!posted.channel || !posted.ts) throw slackFailure('chat.postMessage', {});
      ref = { channel: posted.channel, ts: posted.ts };
    }
    progress.message = ref;
    context.heartbeat(progress);
    if (rendered.threadReply && !progress.replied) {
      const { channel: refChannel, ts } = ref;
      const reply = rendered.threadReply;
      await call('chat.postMessage', () => slack.chat.postMessage({ channel: refChannel, thread_ts: ts, text: reply }));
      progress.replied = true;
      context.heartbeat(progress);
    }
    return { message: ref };
  };
}
