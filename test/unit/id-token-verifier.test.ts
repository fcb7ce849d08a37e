// The ID token checks, with jose against a local issuer on 127.0.0.1: every bad token refused with the check it
// failed, key rotation followed, and random or mutated tokens refused without an exception.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { generateKeyPair } from 'jose';
import type { TrustedIssuer } from '../../src/config/identity-config';
import { IdTokenVerifier, type TokenRefusal, type VerifiedToken } from '../../src/identity/id-token-verifier';
import { hmacWithPublicKey, type LocalIssuer, startLocalIssuer, unsignedToken } from '../helpers/id-tokens';

let issuer: LocalIssuer;
let trusted: TrustedIssuer;
beforeAll(async () => {
  issuer = await startLocalIssuer();
  trusted = { issuer: issuer.issuer, audience: 'deployment-coordinator', maxLifetimeMs: 3_600_000 };
});
afterAll(() => issuer.close());

const refusal = (outcome: VerifiedToken | TokenRefusal) => ('check' in outcome ? outcome : undefined);

test('a good token: its claims, named alike, and an ID to spend it by (discovery finds the keys)', async () => {
  const verifier = new IdTokenVerifier([trusted]);
  const outcome = await verifier.verify(await issuer.sign({ jti: 'run-1' }));
  expect(outcome).toEqual({
    claims: {
      issuer: issuer.issuer,
      subject: 'repo:acme/app:ref:refs/heads/main',
      actor: 'octocat',
      repository: 'acme/app',
      ref: 'refs/heads/main',
      sha: 'a'.repeat(40),
      workflow: 'acme/app/.github/workflows/deploy.yml@refs/heads/main',
      environment: 'production',
      runId: '4242',
    },
    tokenId: `${issuer.issuer} run-1`,
    expiresAt: expect.any(Number),
  });
});

test.each([
  [
    'another key signed it',
    async () => issuer.sign({}, { key: (await generateKeyPair('RS256')).privateKey }),
    'signature',
  ],
  ['another issuer', () => issuer.sign({}, { issuer: 'https://token.example.com' }), 'issuer'],
  ['another audience', () => issuer.sign({}, { audience: 'someone-else' }), 'audience'],
  ['expired', () => issuer.sign({}, { issuedAt: Math.floor(Date.now() / 1000) - 600, expiresIn: 120 }), 'expiry'],
  ['issued in the future', () => issuer.sign({}, { issuedAt: Math.floor(Date.now() / 1000) + 600 }), 'expiry'],
  ['valid for a day', () => issuer.sign({}, { expiresIn: 86_400 }), 'lifetime'],
  ['alg none', async () => unsignedToken(issuer.issuer), 'algorithm'],
  ['HS256 with the public key', async () => hmacWithPublicKey(issuer.issuer, issuer.jwks.keys[0]!), 'algorithm'],
  ['not a JWT', async () => 'not-a-token', 'format'],
])('%s: refused, naming the check', async (_what, token, check) => {
  const outcome = refusal(await new IdTokenVerifier([trusted]).verify(await token()));
  expect(outcome?.check).toBe(check);
  expect(outcome?.reason).toMatch(/\w/);
});

test('a key published after the first fetch is found (rotation); keys from a file need no network', async () => {
  const verifier = new IdTokenVerifier([{ ...trusted, jwksUri: issuer.jwksUri }]);
  expect(refusal(await verifier.verify(await issuer.sign()))).toBeUndefined();
  await issuer.rotate();
  const before = issuer.fetches();
  expect(refusal(await verifier.verify(await issuer.sign()))).toBeUndefined();
  expect(issuer.fetches()).toBe(before + 1);

  const file = join(mkdtempSync(join(tmpdir(), 'jwks-')), 'jwks.json');
  writeFileSync(file, JSON.stringify(issuer.jwks));
  const offline = new IdTokenVerifier([{ ...trusted, jwksFile: file }]);
  const fetches = issuer.fetches();
  expect(refusal(await offline.verify(await issuer.sign()))).toBeUndefined();
  expect(issuer.fetches()).toBe(fetches);
});

test('random strings and mutated tokens are refused, never admitted, never thrown', async () => {
  const verifier = new IdTokenVerifier([trusted]);
  const good = await issuer.sign();
  const mutated = fc
    // (Not the last character: the signature's final base64url character carries padding bits, and some changes to
    // it decode to the same signature.)
    .tuple(fc.nat(good.length - 2), fc.constantFrom(...'ABCDEFabcdef0123456789-_.'.split('')))
    .map(([at, char]) => `${good.slice(0, at)}${char}${good.slice(at + 1)}`)
    .filter((token) => token !== good);
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string(), fc.base64String(), mutated), async (token) => {
      const outcome = await verifier.verify(token);
      expect('check' in outcome).toBe(true);
    }),
    { numRuns: 300 },
  );
});
