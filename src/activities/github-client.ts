// The worker's Octokit clients. Octokit keeps every credential inside the client: nothing built from one is logged,
// returned or put in a workflow's history. (Only the worker process loads Octokit: the activities take these clients
// from their deps.)
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import type { GitHubCredentials } from './github-credentials';

/** One request's bound: a GitHub that does not answer is retried by Temporal, within the notify timeout. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Octokit clients for the repositories deployments name: one for a token; for an App, one per installation, whose
 * token Octokit's App auth fetches when first needed and refreshes before it expires.
 */
export class GitHubClients {
  private readonly app: Octokit | undefined;
  private readonly byToken: Octokit | undefined;
  private readonly installations = new Map<string, Promise<Octokit>>();

  constructor(
    private readonly credentials: GitHubCredentials,
    /** GitHub.com's, or GitHub Enterprise Server's (https://HOST/api/v3): the config's github.apiUrl. */
    private readonly apiUrl: string,
  ) {
    if (credentials.kind === 'token') {
      this.byToken = this.octokit({ auth: credentials.token });
    } else {
      const { appId, privateKey } = credentials;
      this.app = this.octokit({ authStrategy: createAppAuth, auth: { appId, privateKey } });
    }
  }

  /** The client for one repository ("owner/name"). */
  forRepository(repository: string): Promise<Octokit> {
    if (this.byToken) return Promise.resolve(this.byToken);
    const [owner, repo] = repository.split('/') as [string, string];
    let client = this.installations.get(repository);
    if (!client) {
      client = this.installationClient(owner, repo);
      // A failed look-up is asked again next time (the App may be installed since).
      client.catch(() => this.installations.delete(repository));
      this.installations.set(repository, client);
    }
    return client;
  }

  private async installationClient(owner: string, repo: string): Promise<Octokit> {
    const { data } = await this.app!.request('GET /repos/{owner}/{repo}/installation', {
      owner,
      repo,
    });
    const { appId, privateKey } = this.credentials as Extract<GitHubCredentials, { kind: 'app' }>;
    return this.octokit({ authStrategy: createAppAuth, auth: { appId, privateKey, installationId: data.id } });
  }

  private octokit(options: ConstructorParameters<typeof Octokit>[0]): Octokit {
    return new Octokit({
      ...options,
      baseUrl: this.apiUrl.replace(/\/+$/, ''),
      userAgent: 'deployment-coordinator',
      request: { fetch: boundedFetch },
      // Octokit's own log would print request details; failures reach the workflow as our own messages instead.
      log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });
  }
}

/** fetch, each request ended after the bound above (and still by its own signal, when it has one). */
const boundedFetch: typeof fetch = (url, init) => {
  const bound = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  return fetch(url, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, bound]) : bound });
};
