// Where deployctl, the action and the worker connect, and how: TEMPORAL_* variables or a profile file, read through
// the SDK's envconfig. Temporal Cloud with an API key (TLS on), mTLS with a client certificate, a self-hosted server
// with its own CA, a named profile. (The dev server has no TLS; the settings are checked as the client receives them.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporalTarget } from '../../src/connection/temporal-target';

const saved = { ...process.env };
afterEach(() => {
  for (const name of Object.keys(process.env)) if (name.startsWith('TEMPORAL_')) delete process.env[name];
  Object.assign(process.env, saved);
});
const withEnv = (variables: Record<string, string>) => {
  for (const name of Object.keys(process.env)) if (name.startsWith('TEMPORAL_')) delete process.env[name];
  // No profile file of the machine running the tests may leak in.
  process.env.TEMPORAL_CONFIG_FILE = join(mkdtempSync(join(tmpdir(), 'no-profile-')), 'none.toml');
  Object.assign(process.env, variables);
};
/** The bytes the client would send, as text. */
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const dir = mkdtempSync(join(tmpdir(), 'tls-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

test('nothing set: the local server, namespace default, no TLS', () => {
  withEnv({});
  const { target, options } = temporalTarget();
  expect(target).toEqual({ address: 'localhost:7233', namespace: 'default' });
  expect(options.connectionOptions.tls).toBeUndefined();
});

test('Temporal Cloud with an API key: its endpoint and namespace, TLS on, the key sent', () => {
  withEnv({
    TEMPORAL_ADDRESS: 'deployments.a1b2c.tmprl.cloud:7233',
    TEMPORAL_NAMESPACE: 'deployments.a1b2c',
    TEMPORAL_API_KEY: 'key-123',
  });
  const { target, options } = temporalTarget();
  expect(target).toEqual({ address: 'deployments.a1b2c.tmprl.cloud:7233', namespace: 'deployments.a1b2c' });
  expect(options.connectionOptions).toMatchObject({ apiKey: 'key-123', tls: true });
});

test('mTLS: the client certificate and key, the server CA and name, read from their files', () => {
  withEnv({
    TEMPORAL_ADDRESS: 'temporal.internal:7233',
    TEMPORAL_TLS_CLIENT_CERT_PATH: file('client.pem', 'CLIENT CERT'),
    TEMPORAL_TLS_CLIENT_KEY_PATH: file('client.key', 'CLIENT KEY'),
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('ca.pem', 'SERVER CA'),
    TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
  });
  const tls = temporalTarget().options.connectionOptions.tls as {
    clientCertPair: { crt: Uint8Array; key: Uint8Array };
    serverRootCACertificate: Uint8Array;
    serverNameOverride: string;
  };
  expect(text(tls.clientCertPair.crt)).toBe('CLIENT CERT');
  expect(text(tls.clientCertPair.key)).toBe('CLIENT KEY');
  expect(text(tls.serverRootCACertificate)).toBe('SERVER CA');
  expect(tls.serverNameOverride).toBe('temporal.internal');
});

test('a named profile from a TOML file; variables still win over it', () => {
  const profiles = file(
    'temporal.toml',
    [
      '[profile.prod]',
      'address = "temporal.prod.internal:7233"',
      'namespace = "deployments"',
      '[profile.prod.tls]',
      `server_ca_cert_path = "${file('prod-ca.pem', 'PROD CA')}"`,
    ].join('\n'),
  );
  withEnv({ TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'prod' });
  const { target, options } = temporalTarget();
  expect(target).toEqual({ address: 'temporal.prod.internal:7233', namespace: 'deployments' });
  const tls = options.connectionOptions.tls as { serverRootCACertificate: Uint8Array };
  expect(text(tls.serverRootCACertificate)).toBe('PROD CA');
  withEnv({ TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'other' });
  expect(temporalTarget().target.namespace).toBe('other');
});
