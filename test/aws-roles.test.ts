// An AWS role per environment, against moto's STS: each environment's deploy command runs as its own role (the
// session named after the correlation ID), never with the worker's keys; what it was handed stops working once the
// step ends, and appears in no history or worker log.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { deployctl, writeConfig } from './helpers/cli';
import { MOTO_REGION, type Moto, startMoto } from './helpers/moto';
import { startServer } from './helpers/server';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process';
import { allWorkflowIds } from './helpers/replay';
import { assumeRoleParameters } from '../src/identity/aws-roles';

const WORKER_KEYS = {
  AWS_ACCESS_KEY_ID: 'AKIAWORKERSOWNKEY0001',
  AWS_SECRET_ACCESS_KEY: 'worker/own/secret/key/0123456789',
};
const STEP = join(__dirname, 'fixtures', 'aws-identity-step.js');
const out = mkdtempSync(join(tmpdir(), 'aws-roles-'));
const taskQueue = 'aws-roles';
let server: TestWorkflowEnvironment;
let moto: Moto;
let worker: WorkerProcess | undefined;
let configPath: string;

interface StepReport {
  arn: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  workerKeys: string | null;
  endpoint: string | null;
  token: string | null;
}
const report = (correlationId: string) =>
  JSON.parse(readFileSync(join(out, `${correlationId}.json`), 'utf8')) as StepReport;
const environment = (name: string, role: string) => ({
  stackName: `${name}Stack`,
  deploy: { type: 'command', command: ['sh', '-c', `exec node ${STEP} --out ${out}/$CORRELATION_ID.json`] },
  aws: { roleArn: `arn:aws:iam::123456789012:role/${role}`, region: MOTO_REGION, sessionDuration: '15m' },
});

beforeAll(async () => {
  [server, moto] = await Promise.all([startServer(), startMoto()]);
  configPath = writeConfig({ alpha: environment('Alpha', 'deploy-alpha'), beta: environment('Beta', 'deploy-beta') });
  worker = await startWorkerProcess(configPath, {
    ...WORKER_KEYS,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: MOTO_REGION,
    TEMPORAL_ADDRESS: server.address,
    DEPLOY_TASK_QUEUE: taskQueue,
    LOG_LEVEL: 'debug',
  });
}, 90_000);
afterAll(async () => {
  await worker?.stop();
  await moto?.stop();
  await server?.teardown();
});

const deploy = (environmentName: string, correlationId: string) =>
  deployctl(
    ['deploy', '--env', environmentName, '--correlation-id', correlationId, '--ref', 'v1', '--json'],
    {
      address: server.address,
      taskQueue,
      configPath,
    },
    { GITHUB_ACTOR: 'ana' },
  );

test("each environment's deploy command runs as its own role, not as the worker", async () => {
  const [alpha, beta] = await Promise.all([deploy('alpha', 'a-1'), deploy('beta', 'b-1')]);
  expect(JSON.parse(alpha.stdout)).toMatchObject({ status: 'succeeded' });
  expect(JSON.parse(beta.stdout)).toMatchObject({ status: 'succeeded' });
  const [a, b] = [report('a-1'), report('b-1')];
  expect(a.arn).toBe('arn:aws:sts::123456789012:assumed-role/deploy-alpha/a-1');
  expect(b.arn).toBe('arn:aws:sts::123456789012:assumed-role/deploy-beta/b-1');
  expect([a.workerKeys, b.workerKeys]).toEqual([null, null]);
  expect(a.accessKeyId).not.toBe(WORKER_KEYS.AWS_ACCESS_KEY_ID);
  expect(a.accessKeyId).not.toBe(b.accessKeyId);
});

test('what a step was handed stops working when it ends, and is in no history or worker log', async () => {
  const { endpoint, token, accessKeyId, secretAccessKey, sessionToken } = report('a-1');
  const after = await fetch(endpoint!, { headers: { Authorization: token! } });
  expect(after.status).toBe(403);
  const histories = await Promise.all(
    (await allWorkflowIds(server.client)).map(async (id) =>
      historyToJSON(await server.client.workflow.getHandle(id).fetchHistory()),
    ),
  );
  const everything = [worker!.output(), ...histories].join('\n');
  const secrets = [token!, accessKeyId, secretAccessKey, sessionToken];
  expect(secrets.filter((secret) => everything.includes(secret))).toEqual([]);
  expect(worker!.output()).toMatch(
    /deployed as arn:aws:sts::123456789012:assumed-role\/deploy-alpha\/a-1 with \*\*\* \*\*\*/,
  );
});

test('the session: named after the correlation ID, the requester as source identity, the rest as tags', () => {
  const role = { roleArn: 'arn:aws:iam::123456789012:role/deploy', sessionDurationMs: 3_600_000, externalId: 'x-1' };
  expect(
    assumeRoleParameters(role, {
      environment: 'production',
      correlationId: 'deploy-20261204-1',
      requester: 'octo cat',
      verified: true,
      repository: 'acme/app',
      ref: 'refs/heads/main',
    }),
  ).toEqual({
    RoleArn: 'arn:aws:iam::123456789012:role/deploy',
    RoleSessionName: 'deploy-20261204-1',
    SourceIdentity: 'octo-cat',
    Tags: [
      { Key: 'environment', Value: 'production' },
      { Key: 'repository', Value: 'acme/app' },
      { Key: 'ref', Value: 'refs/heads/main' },
      { Key: 'verified', Value: 'true' },
    ],
    DurationSeconds: 3600,
    ExternalId: 'x-1',
  });
  expect(
    assumeRoleParameters(role, { environment: 'dev', correlationId: 'x', requester: 'ana', verified: false })
      .SourceIdentity,
  ).toBe('unverified.ana');
});
