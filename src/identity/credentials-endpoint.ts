// Hands a deploy step its role credentials the way AWS hands them to a container: the step's environment names an
// endpoint on 127.0.0.1 and a token (AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN), which
// every AWS SDK, the AWS CLI and the CDK CLI read, and read again before the credentials expire. So a long deploy gets
// fresh credentials, and once the step ends its grant is revoked: what it was given stops working for it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TemporaryCredentials } from './aws-roles';

/** Credentials are fetched anew this long before they expire. */
const REFRESH_BEFORE_MS = 5 * 60_000;

interface Grant {
  token: Buffer;
  fetch: () => Promise<TemporaryCredentials>;
  current?: TemporaryCredentials;
}

/** What a step's environment gets, and how to take it back. */
export interface CredentialsGrant {
  environment: Record<string, string>;
  revoke(): void;
}

export class CredentialsEndpoint {
  private server: Server | undefined;
  private base = '';
  private readonly grants = new Map<string, Grant>();

  /** Grants a step the credentials `fetch` returns (called at once, then whenever they near their expiry). */
  async grant(fetch: () => Promise<TemporaryCredentials>): Promise<CredentialsGrant> {
    const grant: Grant = { token: randomBytes(32), fetch };
    grant.current = await fetch();
    await this.listening();
    const id = randomBytes(16).toString('hex');
    this.grants.set(id, grant);
    return {
      environment: {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${this.base}/credentials/${id}`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: grant.token.toString('hex'),
      },
      revoke: () => this.grants.delete(id),
    };
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async listening(): Promise<void> {
    if (this.server) return;
    const server = createServer(
      (request, response) => void this.answer(request.url, request.headers.authorization, response),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    server.unref();
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private async answer(
    url: string | undefined,
    authorization: string | undefined,
    response: import('node:http').ServerResponse,
  ) {
    const id = /^\/credentials\/([0-9a-f]{32})$/.exec(url ?? '')?.[1];
    const grant = id === undefined ? undefined : this.grants.get(id);
    const offered = Buffer.from(authorization ?? '', 'hex');
    if (!grant || offered.length !== grant.token.length || !timingSafeEqual(offered, grant.token)) {
      response.statusCode = 403;
      response.end('{"message":"no such grant"}');
      return;
    }
    try {
      if (!grant.current || Date.parse(grant.current.Expiration) - Date.now() < REFRESH_BEFORE_MS) {
        grant.current = await grant.fetch();
      }
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(grant.current));
    } catch (err) {
      response.statusCode = 503;
      response.end(JSON.stringify({ message: `cannot assume the role: ${(err as Error).name}` }));
    }
  }
}
