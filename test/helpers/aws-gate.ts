// A pass-through between the code under test and moto, on 127.0.0.1, that records each AWS call and can hold one
// until the test lets it through: how a test kills a worker at an exact point (say, with ExecuteChangeSet sent).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { keepForDiagnosis, OutputTail } from './diagnosis';

export interface HeldCall {
  action: string;
  /** Sends the call on to moto, whether or not its caller is still there (AWS got it either way). */
  release(): Promise<void>;
}

const HOP_BY_HOP = ['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive'];

/** The parameters that tell one CloudFormation call from another in a failing test's log. */
const NOTED = ['StackName', 'ChangeSetName', 'ChangeSetType', 'ClientRequestToken'];
/** What an answer says that explains the next call: the stack's status, a change set's, an error. */
const ANSWERED = /<(StackStatus|Status|ExecutionStatus|Code|Id|StackId)>([^<]{0,120})</g;

function actionOf(request: IncomingMessage, form: URLSearchParams): string {
  return form.get('Action') ?? `${request.method ?? 'GET'} ${(request.url ?? '/').split('?')[0]}`;
}

export class AwsGate {
  /** Every call forwarded to moto, in order: CloudFormation's by action name, S3's by method and path. */
  readonly forwarded: string[] = [];
  private server?: Server;
  private readonly waiting = new Map<string, (held: HeldCall) => void>();
  private readonly refusing = new Set<string>();
  private stretchMs = 0;
  private stretchUntil = 0;
  /** Each call and its answer, in order, for a failing test's log. */
  private readonly log = new OutputTail<string>((line) => line);

  constructor(private readonly upstream: string) {
    keepForDiagnosis('AWS calls through the gate (newest 400)', () => this.log.text());
  }

  /** Listens on 127.0.0.1; the endpoint names the host "localhost" so moto reads S3 template URLs path-style. */
  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://localhost:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Resolves when the next call of `action` arrives; that call waits until released. */
  holdNext(action: string): Promise<HeldCall> {
    return new Promise((resolve) => this.waiting.set(action, resolve));
  }

  /**
   * moto finishes an update the moment it is executed. After the next ExecuteChangeSet, DescribeStacks reports the
   * stack *_IN_PROGRESS for `ms`, as a real update would be, so a test can act while a deployment watches it.
   */
  stretchNextExecution(ms: number): void {
    this.stretchMs = ms;
  }

  /** The next call of `action` is answered with a CloudFormation ValidationError (the SDK does not retry it). */
  refuseNext(action: string): void {
    this.refusing.add(action);
  }

  count(action: string): number {
    return this.forwarded.filter((name) => name === action).length;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const form = new URLSearchParams(body.toString('utf8'));
    const action = actionOf(request, form);
    const call = [action, ...NOTED.filter((name) => form.has(name)).map((name) => `${name}=${form.get(name)}`)].join(
      ' ',
    );
    const forward = async () => {
      this.forwarded.push(action);
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => !HOP_BY_HOP.includes(name)) as Array<[string, string]>,
      );
      const answer = await fetch(`${this.upstream}${request.url ?? '/'}`, {
        method: request.method ?? 'GET',
        headers,
        ...(body.length > 0 ? { body } : {}),
      });
      let payload = Buffer.from(await answer.arrayBuffer());
      if (action === 'ExecuteChangeSet' && this.stretchMs > 0) {
        this.stretchUntil = Date.now() + this.stretchMs;
        this.stretchMs = 0;
      }
      if (action === 'DescribeStacks' && Date.now() < this.stretchUntil) {
        const text = payload
          .toString('utf8')
          .replace(/<StackStatus>(CREATE|UPDATE)_COMPLETE</, '<StackStatus>$1_IN_PROGRESS<');
        payload = Buffer.from(text);
      }
      const said = [...payload.toString('utf8').matchAll(ANSWERED)].map(([, name, value]) => `${name}=${value}`);
      this.log.add(`${new Date().toISOString()} ${call} → ${answer.status} ${said.join(' ')}`.trimEnd());
      if (response.destroyed) return;
      const out: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(name))
          out[name] = value;
      });
      response.writeHead(answer.status, out).end(payload);
    };
    if (this.refusing.delete(action)) {
      this.log.add(`${new Date().toISOString()} ${call} → refused by the gate`);
      response
        .writeHead(400, { 'content-type': 'text/xml' })
        .end(
          '<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>' +
            `<Message>refused by the test gate: ${action}</Message></Error><RequestId>gate</RequestId></ErrorResponse>`,
        );
      return;
    }
    const hold = this.waiting.get(action);
    if (hold) {
      this.waiting.delete(action);
      this.log.add(`${new Date().toISOString()} ${call} → held`);
      await new Promise<void>((released) => hold({ action, release: () => forward().then(released) }));
      return;
    }
    await forward().catch(() => response.destroy());
  }
}
