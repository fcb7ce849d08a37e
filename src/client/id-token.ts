// The CI's ID token that a request carries, so the worker can verify who asks (docs/trust.md): a file or
// DEPLOY_ID_TOKEN from any CI (GitLab: name an id_tokens entry DEPLOY_ID_TOKEN), or, on GitHub Actions with
// `id-token: write`, one requested for the audience. Never printed: messages name where it came from, not what it is.
import { readFileSync } from 'node:fs';
import { EXIT, ExitError, usageError } from './exit-codes';

export const DEFAULT_AUDIENCE = 'deployment-coordinator';

/** Where a request's token comes from (deployctl --id-token-file and --audience; the action's inputs). */
export interface IdTokenSource {
  idTokenFile?: string;
  audience?: string;
}

/** Three base64url parts: a JWT's shape. The worker checks the rest (an unsigned one is refused there, exit 77). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const MAX_TOKEN_LENGTH = 16_384;

function checked(token: string, from: string): string {
  const trimmed = token.trim();
  if (trimmed.length > MAX_TOKEN_LENGTH) throw usageError(`${from} holds more than ${MAX_TOKEN_LENGTH} characters`);
  if (!JWT_SHAPE.test(trimmed)) {
    throw usageError(`${from} does not hold a JWT (three base64url parts joined by dots)`);
  }
  return trimmed;
}

/** The token to send, or undefined when there is none to be had (the request goes unverified). */
export async function obtainIdToken(source: IdTokenSource = {}, env = process.env): Promise<string | undefined> {
  if (source.idTokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(source.idTokenFile, 'utf8');
    } catch (err) {
      throw usageError(`cannot read --id-token-file ${source.idTokenFile}: ${(err as NodeJS.ErrnoException).code}`);
    }
    return checked(text, `--id-token-file ${source.idTokenFile}`);
  }
  if (env.DEPLOY_ID_TOKEN) return checked(env.DEPLOY_ID_TOKEN, 'DEPLOY_ID_TOKEN');
  const { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: bearer } = env;
  if (!url || !bearer) return undefined;
  const audience = source.audience ?? env.DEPLOY_ID_TOKEN_AUDIENCE ?? DEFAULT_AUDIENCE;
  if (audience.trim() === '') throw usageError('--audience must not be empty');
  return checked(await requestGitHubToken(url, bearer, audience), "GitHub's ID token answer");
}

/** Asks GitHub Actions for an ID token for `audience` (the job needs `permissions: id-token: write`). */
async function requestGitHubToken(url: string, bearer: string, audience: string): Promise<string> {
  const asked = new URL(url);
  asked.searchParams.set('audience', audience);
  let response: Response;
  try {
    response = await fetch(asked, {
      headers: { Authorization: `bearer ${bearer}`, Accept: 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new ExitError(EXIT.unavailable, `cannot ask GitHub Actions for an ID token: ${(err as Error).message}`);
  }
  const body = response.ok ? ((await response.json().catch(() => undefined)) as { value?: unknown }) : undefined;
  if (typeof body?.value !== 'string') {
    throw new ExitError(
      EXIT.unavailable,
      `GitHub Actions gave no ID token (HTTP ${response.status}): does the job have permissions: id-token: write?`,
    );
  }
  return body.value;
}
