// Verifies CI ID tokens with jose: the issuer must be trusted, the signature good by one of its published keys
// (fetched and cached, refetched when an unknown key ID shows up: key rotation), the algorithm asymmetric, the audience
// the configured one, the token unexpired (a minute of clock skew) and short-lived.
import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import type { AccessCheck, VerifiedClaims } from '../contract/identity';
import type { TrustedIssuer } from '../config/identity-config';
import { claimsOf } from '../domain/id-token-claims';
import { formatDuration } from '../domain/durations';

/** Asymmetric algorithms only: never `none`, never HMAC (whose "secret" would be the issuer's public key). */
export const ACCEPTED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/** Clocks of CI and worker may disagree this much. */
const CLOCK_SKEW_S = 60;

/** An issuer's keys: a file's, or fetched (and refetched) from its JWKS URI. */
type KeySet = JWTVerifyGetKey | ReturnType<typeof createRemoteJWKSet>;

/** A token that passed every check: its claims, and what identifies it for the once-only rule. */
export interface VerifiedToken {
  claims: VerifiedClaims;
  /** Issuer and jti (or a digest of the token without one): spent by the first request that shows it. */
  tokenId: string;
  /** When it expires (epoch milliseconds): it is remembered as spent at least until then. */
  expiresAt: number;
}

/** Why a token was refused; the reason never quotes the token. */
export interface TokenRefusal {
  check: AccessCheck;
  reason: string;
}

/** The issuer could not be asked for its keys: nobody's fault the request can fix; retried. */
export class IssuerUnavailableError extends Error {
  override name = 'IssuerUnavailableError';
}

export class IdTokenVerifier {
  private readonly keys = new Map<string, KeySet>();

  constructor(
    private readonly issuers: readonly TrustedIssuer[],
    private readonly now: () => number = Date.now,
  ) {}

  /** The token's claims when it passes every check; else which check failed and why. */
  async verify(token: string): Promise<VerifiedToken | TokenRefusal> {
    let unverified: JWTPayload;
    try {
      const header = decodeProtectedHeader(token);
      if (typeof header.alg !== 'string' || !ACCEPTED_ALGORITHMS.includes(header.alg)) {
        return { check: 'algorithm', reason: `the token is signed with ${String(header.alg)}, which is not accepted` };
      }
      unverified = decodeJwt(token);
    } catch {
      return { check: 'format', reason: 'the ID token is not a signed JWT (header.payload.signature, base64url)' };
    }
    const trusted = this.issuers.find((entry) => entry.issuer === unverified.iss);
    if (!trusted) {
      const known = this.issuers.map((entry) => entry.issuer).join(', ') || 'none';
      return {
        check: 'issuer',
        reason: `the token's issuer ${JSON.stringify(unverified.iss ?? null)} is not trusted (trusted: ${known})`,
      };
    }
    const keys = await this.keySet(trusted);
    const check = () =>
      jwtVerify(token, keys, {
        issuer: trusted.issuer,
        audience: trusted.audience,
        algorithms: ACCEPTED_ALGORITHMS,
        clockTolerance: CLOCK_SKEW_S,
        currentDate: new Date(this.now()),
        requiredClaims: ['exp', 'iat', 'sub'],
        // (Also refuses an iat in the future.)
        maxTokenAge: Math.floor(trusted.maxLifetimeMs / 1000),
      });
    let payload: JWTPayload;
    try {
      ({ payload } = await check().catch(async (err: unknown) => {
        // A key ID unknown within the cool-down after the last fetch: the issuer may have just rotated its keys.
        if (!(err instanceof errors.JWKSNoMatchingKey) || !('reload' in keys) || !keys.coolingDown) throw err;
        await keys.reload();
        return check();
      }));
    } catch (err) {
      return refusalOf(err, trusted);
    }
    const lifetimeMs = (payload.exp! - payload.iat!) * 1000;
    if (lifetimeMs > trusted.maxLifetimeMs) {
      return {
        check: 'lifetime',
        reason:
          `the token is valid for ${formatDuration(lifetimeMs)}, longer than the ${formatDuration(trusted.maxLifetimeMs)} ` +
          `${trusted.issuer} tokens may live here`,
      };
    }
    return {
      claims: claimsOf(payload),
      tokenId: `${trusted.issuer} ${typeof payload.jti === 'string' && payload.jti !== '' ? payload.jti : signatureOf(token)}`,
      expiresAt: payload.exp! * 1000,
    };
  }

  private async keySet(trusted: TrustedIssuer): Promise<KeySet> {
    const known = this.keys.get(trusted.issuer);
    if (known) return known;
    let keys: KeySet;
    if (trusted.jwksFile !== undefined) {
      keys = createLocalJWKSet(
        JSON.parse(readFileSync(trusted.jwksFile, 'utf8')) as Parameters<typeof createLocalJWKSet>[0],
      );
    } else {
      const uri = trusted.jwksUri ?? (await discoverJwksUri(trusted.issuer));
      // Refetched on an unknown key ID, at most every 30 s (rotation), and every 10 min anyway.
      keys = createRemoteJWKSet(new URL(uri), {
        cooldownDuration: 30_000,
        cacheMaxAge: 600_000,
        timeoutDuration: 5_000,
      });
    }
    this.keys.set(trusted.issuer, keys);
    return keys;
  }
}

/** The issuer's keys location, from its OpenID discovery document. */
async function discoverJwksUri(issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  } catch (err) {
    throw new IssuerUnavailableError(`cannot read ${url}: ${(err as Error).message}`);
  }
  const document = response.ok ? ((await response.json().catch(() => undefined)) as { jwks_uri?: unknown }) : undefined;
  if (typeof document?.jwks_uri !== 'string') {
    throw new IssuerUnavailableError(`${url} answered ${response.status} without a jwks_uri: configure jwksUri`);
  }
  return document.jwks_uri;
}

/** The signature part: unique per token, and never usable to rebuild it. */
function signatureOf(token: string): string {
  return token.slice(token.lastIndexOf('.') + 1);
}

function refusalOf(err: unknown, trusted: TrustedIssuer): TokenRefusal {
  if (err instanceof errors.JWTExpired) return { check: 'expiry', reason: 'the token has expired' };
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'aud':
        return { check: 'audience', reason: `the token is not for audience ${JSON.stringify(trusted.audience)}` };
      case 'iss':
        return { check: 'issuer', reason: `the token's issuer is not ${trusted.issuer}` };
      case 'nbf':
      case 'iat':
        return { check: 'expiry', reason: `the token is not valid yet (${err.claim} is in the future)` };
      default:
        return { check: 'format', reason: `the token's ${err.claim} claim is missing or invalid` };
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed)
    return { check: 'algorithm', reason: 'the token algorithm is not accepted' };
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey) {
    return { check: 'signature', reason: `the token's signature is not by a key of ${trusted.issuer}` };
  }
  // The keys could not be fetched or read (timeout, an HTTP error, a bad key set): the issuer's side, not the token's.
  const keysUnreadable = err instanceof errors.JOSEError && ['ERR_JOSE_GENERIC', 'ERR_JWKS_INVALID'].includes(err.code);
  if (err instanceof errors.JWKSTimeout || err instanceof IssuerUnavailableError || keysUnreadable) {
    throw new IssuerUnavailableError(`the keys of ${trusted.issuer} could not be read: ${err.message}`);
  }
  if (err instanceof errors.JOSEError) return { check: 'format', reason: `the token is malformed (${err.code})` };
  // (A fetch of the keys that failed: the network, not the token.)
  throw new IssuerUnavailableError(`the keys of ${trusted.issuer} could not be read: ${String(err)}`);
}
