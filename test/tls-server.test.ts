// A self-hosted Temporal server behind mutual TLS, configured by the temporalio/server image's own TEMPORAL_TLS_*
// variables (the server built from Go modules, on PostgreSQL): the worker and deployctl reach it with the
// TEMPORAL_TLS_* settings docs/operating.md lists, and a client without a certificate, or without the CA, is refused.
import { deployctl, writeConfig } from './helpers/cli';
import { makeCertificates } from './helpers/certificates';
import { environmentDocument, runLog } from './helpers/coordinator';
import { type Postgres, startPostgres } from './helpers/postgres';
import { createNamespace, setUpSchemas, startTemporalServer, type TemporalServer } from './helpers/temporal-server';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process';
import { readFileSync } from 'node:fs';

jest.setTimeout(120_000);

const certs = makeCertificates();
const log = runLog();
const configPath = writeConfig({ secure: environmentDocument(log, {}, 300) });
const taskQueue = 'tls-server';

/** What a client needs for this server: its CA (the certificate names 127.0.0.1) and a client certificate. */
const clientTls: NodeJS.ProcessEnv = {
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
  TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
  TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
};

let pg: Postgres | undefined;
let server: TemporalServer | undefined;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  pg = await startPostgres();
  setUpSchemas(pg);
  server = await startTemporalServer(pg, {
    // The variables of Temporal's TLS compose example: one CA for the frontend, the services and the clients.
    env: {
      TEMPORAL_TLS_REQUIRE_CLIENT_AUTH: 'true',
      TEMPORAL_TLS_SERVER_CA_CERT: certs.caCert,
      TEMPORAL_TLS_SERVER_CERT: certs.serverCert,
      TEMPORAL_TLS_SERVER_KEY: certs.serverKey,
      TEMPORAL_TLS_INTERNODE_SERVER_NAME: 'temporal',
      TEMPORAL_TLS_FRONTEND_CERT: certs.serverCert,
      TEMPORAL_TLS_FRONTEND_KEY: certs.serverKey,
      TEMPORAL_TLS_CLIENT1_CA_CERT: certs.caCert,
      TEMPORAL_TLS_CLIENT2_CA_CERT: certs.caCert,
      TEMPORAL_TLS_FRONTEND_SERVER_NAME: 'temporal',
    },
    tls: {
      serverRootCACertificate: readFileSync(certs.caCert),
      clientCertPair: { crt: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) },
    },
  });
  createNamespace(server.address, 'default', clientTls);
  worker = await startWorkerProcess(configPath, {
    TEMPORAL_ADDRESS: server.address,
    DEPLOY_TASK_QUEUE: taskQueue,
    ...clientTls,
  });
});

afterAll(async () => {
  await worker?.stop().catch(() => undefined);
  await server?.stop();
  pg?.stop();
});

const target = () => ({ address: server!.address, taskQueue, configPath });

test('the worker and deployctl deploy through mutual TLS with the TEMPORAL_TLS_* settings', async () => {
  const run = await deployctl(
    ['deploy', '--env', 'secure', '--correlation-id', 'tls-1', '--json'],
    target(),
    clientTls,
  );
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({ correlationId: 'tls-1', status: 'succeeded' });
});

test('a server name other than the address is checked against the certificate', async () => {
  const named = { ...clientTls, TEMPORAL_TLS_SERVER_NAME: 'temporal' };
  const good = await deployctl(['queue', '--env', 'secure', '--json'], target(), named);
  expect(good.code).toBe(0);
  const wrong = await deployctl(['queue', '--env', 'secure'], target(), {
    ...named,
    TEMPORAL_TLS_SERVER_NAME: 'elsewhere',
  });
  expect(wrong.code).toBe(69);
});

test('without a client certificate, or the CA, deployctl is refused and says it cannot reach Temporal', async () => {
  const noCertificate = await deployctl(['queue', '--env', 'secure'], target(), {
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
  });
  expect(noCertificate.code).toBe(69);
  expect(noCertificate.stderr).toContain(server!.address);
  const noCa = await deployctl(['queue', '--env', 'secure'], target(), {
    TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
  });
  expect(noCa.code).toBe(69);
  const plain = await deployctl(['queue', '--env', 'secure'], target());
  expect(plain.code).toBe(69);
});
