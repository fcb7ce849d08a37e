// An AWS role per environment, against moto's STS: each environment's deploy command runs as its own role (the
// session named after the correlation ID), never with the worker's keys; what it was handed stops working once the
// step ends, and appears in no history or worker log.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { deployctl, writeConfig } from './helpers/cli';
import { awsEnvironment, MOTO_CREDENTIALS, MOTO_REGION, type Moto, startMoto } from './helpers/moto';
import { bootstrap, fixtureAssembly } from './helpers/cdk';
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
let proxy: Server;
/** Every AWS call the worker and its steps made, as the proxy in front of moto saw it. */
const calls: Array<{ action: string; keyId: string; body: string; answer: string }> = [];

/** A proxy to moto that records each call's action and the access key that signed it. */
async function recordingProxy(target: string): Promise<string> {
  proxy = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => name !== 'host' && name !== 'connection'),
      ) as Record<string, string>;
      void fetch(`${target}${request.url ?? '/'}`, {
        method: request.method ?? 'GET',
        headers,
        ...(body.length > 0 ? { body } : {}),
      }).then(async (answer) => {
        const text = await answer.text();
        const form = new URLSearchParams(body.toString());
        calls.push({
          action: form.get('Action') ?? String(request.headers['x-amz-target'] ?? request.url),
          keyId: /Credential=([^/]+)\//.exec(String(request.headers.authorization ?? ''))?.[1] ?? '',
          body: body.toString(),
          answer: text,
        });
        response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/xml' });
        response.end(text);
      });
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}

/** The access keys STS handed out for a role. */
const keysOfRole = (role: string) =>
  calls
    .filter((call) => call.action === 'AssumeRole' && decodeURIComponent(call.body).includes(`role/${role}`))
    .map((call) => /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(call.answer)?.[1]);

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
  cloudformation: { region: MOTO_REGION, pollInterval: '300ms' },
});

/** A cdk environment whose assembly CI uploaded to S3 (moto's, written directly, past the proxy). */
const ASSEMBLY_PREFIX = 'builds/roles/';
async function uploadAssembly(): Promise<void> {
  const dir = fixtureAssembly('v1');
  const s3 = new S3Client({
    region: MOTO_REGION,
    endpoint: moto.endpoint,
    credentials: MOTO_CREDENTIALS,
    forcePathStyle: true,
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'ci-artifacts' }));
  // Not the CDK CLI's locks (read.PID.N.lock): another test file deploying the same shared assembly makes and
  // removes them while this one walks it.
  const walk = (at: string): string[] =>
    readdirSync(at)
      .filter((name) => !name.endsWith('.lock'))
      .flatMap((name) => (statSync(join(at, name)).isDirectory() ? walk(join(at, name)) : [join(at, name)]));
  for (const file of walk(dir)) {
    const Key = `${ASSEMBLY_PREFIX}${relative(dir, file)}`;
    await s3.send(new PutObjectCommand({ Bucket: 'ci-artifacts', Key, Body: readFileSync(file) }));
  }
  s3.destroy();
}

beforeAll(async () => {
  [server, moto] = await Promise.all([startServer(), startMoto()]);
  // (moto reads the template URLs the CDK hands CloudFormation path-style only when they name localhost.)
  const endpoint = (await recordingProxy(moto.endpoint)).replace('127.0.0.1', 'localhost');
  const motoEnv = awsEnvironment(moto.endpoint.replace('127.0.0.1', 'localhost'));
  await Promise.all([bootstrap(motoEnv), uploadAssembly()]);
  configPath = writeConfig({
    alpha: environment('Alpha', 'deploy-alpha'),
    beta: environment('Beta', 'deploy-beta'),
    gamma: { ...environment('Inventory', 'deploy-gamma'), deploy: { type: 'cdk' }, lockWaitTimeout: '2m' },
  });
  worker = await startWorkerProcess(configPath, {
    ...WORKER_KEYS,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: MOTO_REGION,
    TEMPORAL_ADDRESS: server.address,
    DEPLOY_TASK_QUEUE: taskQueue,
    LOG_LEVEL: 'debug',
  });
}, 150_000);
afterAll(async () => {
  await worker?.stop();
  await moto?.stop();
  await server?.teardown();
  proxy?.close();
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

test("a cdk environment's assembly is fetched from S3 as its role, and deployed as it", async () => {
  const deployed = await deployctl(
    ['deploy', '--env', 'gamma', '--correlation-id', 'g-1', '--assembly', `s3://ci-artifacts/${ASSEMBLY_PREFIX}`],
    { address: server.address, taskQueue, configPath },
    { GITHUB_ACTOR: 'ana' },
  );
  expect(deployed.stdout).toMatch(/^g-1 succeeded/);
  expect(deployed.code).toBe(0);
  const gammaKeys = keysOfRole('deploy-gamma');
  const fetched = calls.filter((call) => call.action.startsWith('/ci-artifacts'));
  expect(fetched.map((call) => call.action)).toContainEqual(expect.stringContaining('manifest.json'));
  expect(fetched.filter((call) => !gammaKeys.includes(call.keyId))).toEqual([]);
  // The session the assembly was fetched in is the deployment's own.
  const gammaSessions = calls.filter((call) => call.action === 'AssumeRole' && call.body.includes('deploy-gamma'));
  expect(gammaSessions.some((call) => call.body.includes('RoleSessionName=g-1'))).toBe(true);
  const changeSets = calls.filter((call) => call.action === 'ExecuteChangeSet');
  expect(changeSets.length).toBe(1);
  expect(gammaKeys).toContain(changeSets[0]!.keyId);
}, 180_000);

test("the worker reads an environment's stack as that environment's role", () => {
  const alphaKeys = keysOfRole('deploy-alpha');
  const betaKeys = keysOfRole('deploy-beta');
  const stackCalls = (stack: string) =>
    calls.filter((call) => call.action === 'DescribeStacks' && call.body.includes(`StackName=${stack}`));
  expect(stackCalls('AlphaStack').length).toBeGreaterThan(0);
  expect(stackCalls('AlphaStack').every((call) => alphaKeys.includes(call.keyId))).toBe(true);
  expect(stackCalls('BetaStack').length).toBeGreaterThan(0);
  expect(stackCalls('BetaStack').every((call) => betaKeys.includes(call.keyId))).toBe(true);
  // The worker's own key signs AssumeRole, and nothing else.
  const workerActions = calls.filter((call) => call.keyId === WORKER_KEYS.AWS_ACCESS_KEY_ID).map((call) => call.action);
  expect(new Set(workerActions)).toEqual(new Set(['AssumeRole']));
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
