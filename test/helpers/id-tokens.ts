// A local OIDC issuer for tests: an RSA key pair, its JWKS (and discovery document) served on 127.0.0.1, and tokens
// signed as GitHub Actions signs them. Also the bad ones a forger would try.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, type KeyLike, SignJWT } from 'jose';
import { createHmac } from 'node:crypto';

export interface LocalIssuer {
  /** The iss claim and the base of its discovery document. */
  issuer: string;
  jwksUri: string;
  /** The JWKS as served (for a jwksFile). */
  jwks: { keys: JWK[] };
  /** A token for `claims` (GitHub's names), signed by the issuer's current key. */
  sign(claims?: JWTPayload, options?: SignOptions): Promise<string>;
  /** A new signing key, published beside the old one (key rotation). */
  rotate(): Promise<void>;
  /** How many times the JWKS was fetched. */
  fetches(): number;
  close(): Promise<void>;
}

export interface SignOptions {
  audience?: string;
  issuer?: string;
  /** Seconds from now; negative: expired. */
  expiresIn?: number;
  issuedAt?: number;
  /** Signed by this key instead (a forger's), with its own kid. */
  key?: KeyLike;
}

const GITHUB_CLAIMS: JWTPayload = {
  sub: 'repo:acme/app:ref:refs/heads/main',
  repository: 'acme/app',
  repository_owner: 'acme',
  ref: 'refs/heads/main',
  sha: 'a'.repeat(40),
  workflow: 'deploy',
  workflow_ref: 'acme/app/.github/workflows/deploy.yml@refs/heads/main',
  actor: 'octocat',
  run_id: '4242',
  environment: 'production',
};

export async function startLocalIssuer(): Promise<LocalIssuer> {
  const keys: Array<{ kid: string; privateKey: KeyLike; jwk: JWK }> = [];
  let fetched = 0;
  const addKey = async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `key-${keys.length + 1}`;
    keys.push({ kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } });
  };
  await addKey();
  const server: Server = createServer((request, response) => {
    if (request.url === '/.well-known/openid-configuration') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/.well-known/jwks` }));
      return;
    }
    if (request.url === '/.well-known/jwks') {
      fetched += 1;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: keys.map((key) => key.jwk) }));
      return;
    }
    response.statusCode = 404;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks`,
    get jwks() {
      return { keys: keys.map((key) => key.jwk) };
    },
    async sign(claims = {}, options = {}) {
      const current = keys[keys.length - 1]!;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ jti: `jti-${Math.random().toString(36).slice(2)}`, ...GITHUB_CLAIMS, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: options.key ? 'forged' : current.kid, typ: 'JWT' })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? 'deployment-coordinator')
        .setIssuedAt(options.issuedAt ?? now)
        .setExpirationTime((options.issuedAt ?? now) + (options.expiresIn ?? 300))
        .sign(options.key ?? current.privateKey);
    },
    rotate: addKey,
    fetches: () => fetched,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** An unsigned token (alg none) with GitHub's claims. */
export function unsignedToken(issuer: string, claims: JWTPayload = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = { ...GITHUB_CLAIMS, iss: issuer, aud: 'deployment-coordinator', iat: now, exp: now + 300, ...claims };
  return `${base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url(JSON.stringify(payload))}.`;
}

/** The classic confusion: HS256 with the issuer's public key (its JWK's n) as the HMAC secret. */
export function hmacWithPublicKey(issuer: string, publicJwk: JWK, claims: JWTPayload = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: publicJwk.kid }));
  const payload = base64url(
    JSON.stringify({
      ...GITHUB_CLAIMS,
      iss: issuer,
      aud: 'deployment-coordinator',
      iat: now,
      exp: now + 300,
      ...claims,
    }),
  );
  const signature = createHmac('sha256', JSON.stringify(publicJwk)).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
