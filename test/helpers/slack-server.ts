// A local stand-in for the Slack Web API on 127.0.0.1: records every call the real WebClient makes and answers
// as Slack does, or fails on purpose (rate limited, HTTP 500, invalid_auth, no answer at all).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  at: number;
  method: string;
  params: Record<string, unknown>;
  authorization: string | undefined;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  thread_ts?: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/** 'store-then-hang': Slack acts on the call but the answer never arrives (a worker lost mid-call sees this). */
export type Answer = 'ok' | 'ratelimited' | 'error500' | 'invalid_auth' | 'hang' | 'store-then-hang';

export const CHANNEL = { id: 'C0DEPLOYS1', name: 'deploys' };

const JSON_PARAMS = new Set(['blocks', 'metadata', 'attachments']);

export class FakeSlack {
  readonly calls: SlackCall[] = [];
  readonly messages: StoredMessage[] = [];
  /** Decides how each call is answered; recorded before it is answered, whatever the answer. */
  answer: (call: SlackCall) => Answer = () => 'ok';
  private server: Server | undefined;
  private counter = 0;
  private readonly hanging: ServerResponse[] = [];

  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
  }

  async stop(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Calls about one deployment: its top-level message, updates of it, and replies in its thread. */
  callsFor(workflowId: string): SlackCall[] {
    const own = this.messages.find((message) => message.metadata?.event_payload.workflowId === workflowId);
    return this.calls.filter((call) => {
      const payload = (call.params.metadata as StoredMessage['metadata'])?.event_payload;
      if (call.method === 'chat.postMessage' && !call.params.thread_ts) return payload?.workflowId === workflowId;
      return own !== undefined && (call.params.ts === own.ts || call.params.thread_ts === own.ts);
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    const method = (request.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    const params: Record<string, unknown> = {};
    if ((request.headers['content-type'] ?? '').includes('json')) {
      Object.assign(params, JSON.parse(body || '{}'));
    } else {
      for (const [key, value] of new URLSearchParams(body))
        params[key] = JSON_PARAMS.has(key) ? JSON.parse(value) : value;
    }
    const call: SlackCall = { at: Date.now(), method, params, authorization: request.headers.authorization };
    this.calls.push(call);
    const answer = this.answer(call);
    if (answer === 'hang' || answer === 'store-then-hang') {
      if (answer === 'store-then-hang') this.api(method, params);
      this.hanging.push(response);
      return;
    }
    if (answer === 'ratelimited') {
      response.writeHead(429, { 'Retry-After': '1', 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    if (answer === 'error500') {
      response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end('internal error');
      return;
    }
    const reply = answer === 'invalid_auth' ? { ok: false, error: 'invalid_auth' } : this.api(method, params);
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(reply));
  }

  private api(method: string, params: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'conversations.list':
        return { ok: true, channels: [CHANNEL], response_metadata: { next_cursor: '' } };
      case 'conversations.history': {
        const messages = this.messages
          .filter((message) => message.channel === params.channel && !message.thread_ts)
          .filter((message) => params.oldest === undefined || Number(message.ts) >= Number(params.oldest))
          .map((message) =>
            params.include_all_metadata === 'true' || params.include_all_metadata === true
              ? message
              : { ...message, metadata: undefined },
          )
          .reverse();
        return { ok: true, messages, has_more: false };
      }
      case 'chat.postMessage': {
        const channel = String(params.channel);
        if (channel !== CHANNEL.id && channel !== `#${CHANNEL.name}`) return { ok: false, error: 'channel_not_found' };
        this.counter += 1;
        const message: StoredMessage = {
          channel: CHANNEL.id,
          ts: `${Math.floor(Date.now() / 1000)}.${String(this.counter).padStart(6, '0')}`,
          text: String(params.text ?? ''),
          ...(params.thread_ts ? { thread_ts: String(params.thread_ts) } : {}),
          ...(params.metadata ? { metadata: params.metadata as StoredMessage['metadata'] } : {}),
        };
        this.messages.push(message);
        return { ok: true, channel: message.channel, ts: message.ts, message };
      }
      case 'chat.update': {
        const message = this.messages.find((stored) => stored.ts === params.ts && stored.channel === params.channel);
        if (!message) return { ok: false, error: 'message_not_found' };
        message.text = String(params.text ?? '');
        return { ok: true, channel: message.channel, ts: message.ts };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

/** "method: first line of text", "(thread)" for replies: a call sequence that reads like the Slack channel. */
export function describeCall(call: SlackCall): string {
  const thread = call.params.thread_ts ? ' (thread)' : '';
  return `${call.method}${thread}: ${String(call.params.text ?? '').split('\n')[0]}`;
}
