// A local stand-in for the GitHub REST API on 127.0.0.1, for the parts the worker uses: deployments, their statuses,
// and a GitHub App's installation tokens. It records every request and answers as GitHub does (201s, 401 without a
// known credential, 422 for an unknown ref, auto_inactive on success), or fails on purpose (rate limited with
// retry-after, a secondary rate limit's 403, 503, no answer at all).
import { createPublicKey, createVerify, type KeyObject, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHubRequest {
  at: number;
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  authorization: string | undefined;
}

export interface StoredDeployment {
  id: number;
  repository: string;
  ref: string;
  sha: string;
  environment: string;
  task: string;
  description: string | null;
  payload: Record<string, unknown>;
  transient_environment: boolean;
  production_environment: boolean;
  created_at: string;
}

export interface StoredStatus {
  id: number;
  deploymentId: number;
  state: string;
  description: string;
  log_url: string;
  environment_url: string;
  created_at: string;
}

/**
 * 'store-then-hang': GitHub acts on the request but the answer never arrives (what a worker lost mid-call sees);
 * 'ratelimited': 429 with retry-after; 'secondary': 403 with retry-after (GitHub's secondary rate limit).
 */
export type GitHubAnswer = 'ok' | 'ratelimited' | 'secondary' | 'error503' | 'hang' | 'store-then-hang';

export class FakeGitHub {
  readonly requests: GitHubRequest[] = [];
  readonly deployments: StoredDeployment[] = [];
  readonly statuses: StoredStatus[] = [];
  /** Installation tokens handed out to the App, and the plain tokens accepted as they are. */
  readonly tokens = new Set<string>();
  /** Decides how each request is answered; recorded before it is answered, whatever the answer. */
  answer: (request: GitHubRequest) => GitHubAnswer = () => 'ok';
  /** The retry-after of a rate-limited answer, in seconds. */
  retryAfterSeconds = 1;
  private app: { id: string; key: KeyObject; installationId: number } | undefined;
  private server: Server | undefined;
  private counter = 0;
  private readonly hanging: ServerResponse[] = [];

  constructor(options: { token?: string } = {}) {
    if (options.token) this.tokens.add(options.token);
  }

  /** Accepts JWTs of this App (its public key) and hands out installation tokens for every repository. */
  acceptApp(appId: string, publicKeyPem: string, installationId = 4242): void {
    this.app = { id: appId, key: createPublicKey(publicKeyPem), installationId };
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The deployments made for one of ours, by the workflow ID in their payload. */
  deploymentsOf(workflowId: string): StoredDeployment[] {
    return this.deployments.filter((deployment) => deployment.payload.workflowId === workflowId);
  }

  /** One GitHub deployment's statuses, oldest first. */
  statusesOf(deploymentId: number): StoredStatus[] {
    return this.statuses.filter((status) => status.deploymentId === deploymentId);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of request) text += String(chunk);
    const url = new URL(request.url ?? '/', 'http://github.invalid');
    const call: GitHubRequest = {
      at: Date.now(),
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      authorization: request.headers.authorization,
    };
    this.requests.push(call);
    const answer = this.answer(call);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      response.end(JSON.stringify(body));
    };
    if (answer === 'hang' || answer === 'store-then-hang') {
      if (answer === 'store-then-hang') this.api(call);
      this.hanging.push(response);
      return;
    }
    if (answer === 'ratelimited' || answer === 'secondary') {
      const message =
        answer === 'secondary'
          ? 'You have exceeded a secondary rate limit.'
          : 'API rate limit exceeded for installation.';
      return reply(answer === 'secondary' ? 403 : 429, { message }, { 'retry-after': String(this.retryAfterSeconds) });
    }
    if (answer === 'error503') return reply(503, { message: 'Service Unavailable' });
    const [status, body] = this.api(call);
    reply(status, body);
  }

  /** Who a request is from: 'app' (a valid JWT of the App), 'token' (a known token), or nobody. */
  private caller(authorization: string | undefined): 'app' | 'token' | undefined {
    const [scheme, credential] = (authorization ?? '').split(' ');
    if (!credential) return undefined;
    if (scheme?.toLowerCase() === 'bearer' && credential.split('.').length === 3) {
      return this.validJwt(credential) ? 'app' : undefined;
    }
    return this.tokens.has(credential) ? 'token' : undefined;
  }

  private validJwt(jwt: string): boolean {
    if (!this.app) return false;
    const [header, claims, signature] = jwt.split('.') as [string, string, string];
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${header}.${claims}`);
    if (!verifier.verify(this.app.key, Buffer.from(signature, 'base64url'))) return false;
    const { iss, exp } = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { iss: unknown; exp: number };
    return String(iss) === this.app.id && exp * 1000 > Date.now();
  }

  private api(call: GitHubRequest): [number, unknown] {
    const who = this.caller(call.authorization);
    if (!who) return [401, { message: 'Bad credentials' }];
    let match = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(call.path);
    if (match && call.method === 'POST') {
      if (who !== 'app' || Number(match[1]) !== this.app?.installationId) return [404, { message: 'Not Found' }];
      const token = `ghs_${randomBytes(12).toString('hex')}`;
      this.tokens.add(token);
      return [201, { token, expires_at: new Date(Date.now() + 3_600_000).toISOString() }];
    }
    match = /^\/repos\/([^/]+\/[^/]+)\/installation$/.exec(call.path);
    if (match && call.method === 'GET') {
      if (who !== 'app') return [401, { message: 'A JSON web token could not be decoded' }];
      return [200, { id: this.app!.installationId, app_id: Number(this.app!.id) }];
    }
    if (who === 'app') return [403, { message: 'Resource not accessible by integration' }];
    match = /^\/repos\/([^/]+\/[^/]+)\/deployments$/.exec(call.path);
    if (match && call.method === 'POST') return this.createDeployment(match[1]!, call.body);
    if (match && call.method === 'GET') {
      const { query } = call;
      const found = this.deployments
        .filter((deployment) => deployment.repository === match![1])
        .filter((deployment) => !query.get('environment') || deployment.environment === query.get('environment'))
        .filter((deployment) => !query.get('ref') || deployment.ref === query.get('ref'))
        .reverse()
        .slice(0, Number(query.get('per_page') ?? 30));
      return [200, found.map((deployment) => this.shown(deployment))];
    }
    match = /^\/repos\/([^/]+\/[^/]+)\/deployments\/(\d+)\/statuses$/.exec(call.path);
    if (match && call.method === 'POST') return this.createStatus(Number(match[2]), call.body);
    return [404, { message: 'Not Found' }];
  }

  private createDeployment(repository: string, body: Record<string, unknown>): [number, unknown] {
    if (typeof body.ref !== 'string' || body.ref.startsWith('missing')) {
      return [422, { message: `No ref found for: ${String(body.ref)}` }];
    }
    this.counter += 1;
    const deployment: StoredDeployment = {
      id: 1000 + this.counter,
      repository,
      ref: body.ref,
      sha: /^[0-9a-f]{40}$/.test(body.ref) ? body.ref : 'f'.repeat(40),
      environment: typeof body.environment === 'string' ? body.environment : 'production',
      task: typeof body.task === 'string' ? body.task : 'deploy',
      description: typeof body.description === 'string' ? body.description : null,
      payload: (body.payload as Record<string, unknown>) ?? {},
      transient_environment: body.transient_environment === true,
      production_environment: body.production_environment === true,
      created_at: new Date().toISOString(),
    };
    this.deployments.push(deployment);
    return [201, this.shown(deployment)];
  }

  private createStatus(deploymentId: number, body: Record<string, unknown>): [number, unknown] {
    const deployment = this.deployments.find((stored) => stored.id === deploymentId);
    if (!deployment) return [404, { message: 'Not Found' }];
    const states = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];
    if (typeof body.state !== 'string' || !states.includes(body.state)) {
      return [422, { message: 'Validation Failed', errors: [{ field: 'state', code: 'invalid' }] }];
    }
    if (typeof body.description === 'string' && body.description.length > 140) {
      return [422, { message: 'Validation Failed', errors: [{ field: 'description', code: 'too_long' }] }];
    }
    const status = this.addStatus(deploymentId, body.state, body);
    // As GitHub does: a success marks the earlier deployments of its environment inactive unless told not to.
    if (body.state === 'success' && body.auto_inactive !== false) {
      for (const earlier of this.deployments) {
        const same = earlier.repository === deployment.repository && earlier.environment === deployment.environment;
        if (same && earlier.id !== deploymentId && this.latestState(earlier.id) === 'success') {
          this.addStatus(earlier.id, 'inactive', {});
        }
      }
    }
    return [201, status];
  }

  private addStatus(deploymentId: number, state: string, body: Record<string, unknown>): StoredStatus {
    this.counter += 1;
    const status: StoredStatus = {
      id: 5000 + this.counter,
      deploymentId,
      state,
      description: typeof body.description === 'string' ? body.description : '',
      log_url: typeof body.log_url === 'string' ? body.log_url : '',
      environment_url: typeof body.environment_url === 'string' ? body.environment_url : '',
      created_at: new Date().toISOString(),
    };
    this.statuses.push(status);
    return status;
  }

  private latestState(deploymentId: number): string | undefined {
    return this.statusesOf(deploymentId).at(-1)?.state;
  }

  private shown(deployment: StoredDeployment) {
    const { repository, ...fields } = deployment;
    return { ...fields, url: `https://api.github.invalid/repos/${repository}/deployments/${deployment.id}` };
  }
}
