// Hands a deploy step its role credentials the way AWS hands them to a container: the step's environment names an
// endpoint on 127.0.0.1 and a token (AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN), which
// every AWS SDK, the AWS CLI and the CDK CLI read, and read again before the credentials expire. So a long deploy gets
// fresh credentials, and once the step ends its grant is revoked: what it was given stops working for it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REFRESH_BEFORE_MS, type TemporaryCredentials } from './aws-roles';

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
  /** Its base URL, once listening (on the first grant: a worker whose environments have no role never listens). */
  private base: Promise<string> | undefined;
  private readonly grants = new Map<string, Grant>();

  /** Grants a step the credentials `fetch` returns (called at once, then whenever they near their expiry). */
  async grant(fetch: () => Promise<TemporaryCredentials>): Promise<CredentialsGrant> {
    const grant: Grant = { token: randomBytes(32), fetch };
    grant.current = await fetch();
    const base = await (this.base ??= this.listen());
    const id = randomBytes(16).toString('hex');
    this.grants.set(id, grant);
    return {
      environment: {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${base}/credentials/${id}`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: grant.token.toString('hex'),
      },
      revoke: () => this.grants.delete(id),
    };
  }

  private async listen(): Promise<string> {
    const server = createServer(
      (request, response) => void this.answer(request.url, request.headers.authorization, response),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // (It lives as long as the worker, and never keeps it from exiting.)
    server.unref();
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private async answer(url: string | undefined, authorization: string | undefined, response: ServerResponse) {
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
