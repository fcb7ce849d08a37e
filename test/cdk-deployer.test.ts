// The cdk deployer end to end: the fixture app synthesized by the real CDK, `cdk bootstrap` and the deployer's
// prepare (asset publishing, change set) through the real CDK CLI, execute and watch through the real AWS SDK, all
// against moto; deployctl hands over the assembly as a directory or an S3 prefix.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { awsCloudFormation } from '../src/cloudformation/aws-cloudformation';
import { deploymentWorkflowId } from '../src/contract/names';
import { stateQuery } from '../src/contract';
import { bootstrap, fixtureAssembly } from './helpers/cdk';
import { allWorkflowIds, replayFailures } from './helpers/replay';
import { deployctl } from './helpers/cli';
import { environmentDocument, runLog, useCoordinator, outcome } from './helpers/coordinator';
import { awsEnvironment, MOTO_CREDENTIALS, MOTO_REGION, type Moto, startMoto } from './helpers/moto';

let moto: Moto | undefined;
const saved = { ...process.env };
let awsEnv: Record<string, string> = {};

beforeAll(async () => {
  moto = await startMoto();
  // moto reads template URLs path-style only when they name "localhost" (it still listens on 127.0.0.1 alone).
  awsEnv = awsEnvironment(moto.endpoint.replace('127.0.0.1', 'localhost'));
  // The worker's environment, as on a real worker host: the CDK CLI and the SDK read the same.
  Object.assign(process.env, awsEnv);
  await bootstrap(awsEnv);
}, 60_000);
afterAll(async () => {
  process.env = saved;
  await moto?.stop();
});

const cdkEnvironment = (stackName: string) => ({
  stackName,
  lockWaitTimeout: '2m',
  deploy: { type: 'cdk' },
  cloudformation: { region: MOTO_REGION, pollInterval: '300ms' },
});
const coordinator = useCoordinator(
  {
    staging: cdkEnvironment('InventoryStack'),
    billing: cdkEnvironment('BillingStack'),
    scripted: environmentDocument(runLog()),
  },
  {
    cloudFormationFor: ({ region }) =>
      awsCloudFormation({ region, endpoint: moto!.endpoint, credentials: MOTO_CREDENTIALS }),
  },
);
const cfn = () => awsCloudFormation({ region: MOTO_REGION, endpoint: moto!.endpoint, credentials: MOTO_CREDENTIALS });
const s3 = () =>
  new S3Client({ region: MOTO_REGION, endpoint: moto!.endpoint, credentials: MOTO_CREDENTIALS, forcePathStyle: true });

test('a directory assembly: the stack is created, the asset published, the outputs reported', async () => {
  const run = await deployctl(
    ['deploy', '--env', 'staging', '--correlation-id', 'inv-1', '--assembly', fixtureAssembly('v1')],
    coordinator.cli,
  );
  expect(run.stderr).not.toMatch(/error/i);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^inv-1 succeeded in /);
  const stack = await cfn().describeStack('InventoryStack');
  expect(stack?.status).toBe('CREATE_COMPLETE');
  expect(run.stdout).toContain(`ReportsBucket = ${stack?.outputs.ReportsBucket}`);

  // The file asset went to the bootstrap bucket, under the key the template refers to.
  const assets = await s3().send(
    new ListObjectsV2Command({ Bucket: 'cdk-hnb659fds-assets-123456789012-us-east-1', Prefix: stack?.outputs.SeedKey }),
  );
  expect(assets.Contents?.map((object) => object.Key)).toEqual([stack?.outputs.SeedKey]);
  // Prepared under the correlation ID's name and executed once.
  expect(await cfn().describeChangeSet('InventoryStack', 'deploy-inv-1')).toMatchObject({
    executionStatus: 'EXECUTE_COMPLETE',
  });
  const state = await coordinator.env.client.workflow
    .getHandle(deploymentWorkflowId('staging', 'inv-1'))
    .query(stateQuery);
  expect(state).toMatchObject({ changeSet: 'deploy-inv-1', outputs: stack?.outputs });
  expect(state.stack).toMatchObject({ status: 'CREATE_COMPLETE' });
});

test('the same assembly again: a success that says so, nothing executed, no change set left', async () => {
  const run = await deployctl(
    ['deploy', '--env', 'staging', '--correlation-id', 'inv-2', '--assembly', fixtureAssembly('v1'), '--json'],
    coordinator.cli,
  );
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({ status: 'succeeded', noChanges: true });
  expect(await cfn().describeChangeSet('InventoryStack', 'deploy-inv-2')).toBeUndefined();
  expect((await cfn().describeStack('InventoryStack'))?.status).toBe('CREATE_COMPLETE');
  const status = await deployctl(['status', 'inv-2', '--env', 'staging'], coordinator.cli);
  expect(status.stdout).toContain('changes:     none (the stack already matched)');
});

test('an assembly CI uploaded to S3: fetched by the worker and deployed as an update', async () => {
  const dir = fixtureAssembly('v2');
  const files = (function walk(at: string): string[] {
    return readdirSync(at).flatMap((name) =>
      statSync(join(at, name)).isDirectory() ? walk(join(at, name)) : [join(at, name)],
    );
  })(dir);
  const client = s3();
  await client.send(new CreateBucketCommand({ Bucket: 'ci-artifacts' }));
  for (const file of files) {
    await client.send(
      new PutObjectCommand({
        Bucket: 'ci-artifacts',
        Key: `builds/abc123/${relative(dir, file)}`,
        Body: readFileSync(file),
      }),
    );
  }

  const run = await deployctl(
    ['deploy', '--env', 'staging', '--correlation-id', 'inv-3', '--assembly', 's3://ci-artifacts/builds/abc123/'],
    coordinator.cli,
  );
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^inv-3 succeeded/);
  expect((await cfn().describeStack('InventoryStack'))?.status).toBe('UPDATE_COMPLETE');
  expect(await cfn().describeChangeSet('InventoryStack', 'deploy-inv-3')).toMatchObject({
    executionStatus: 'EXECUTE_COMPLETE',
  });
});

test('an assembly without the environment stack fails naming the stacks it has and frees the environment', async () => {
  const run = await deployctl(
    ['deploy', '--env', 'billing', '--correlation-id', 'bill-1', '--assembly', fixtureAssembly('v1')],
    coordinator.cli,
  );
  expect(run.code).toBe(1);
  expect(run.stdout).toContain('the assembly has no stack named BillingStack (its stacks: InventoryStack)');
  const status = await deployctl(['status', '--env', 'billing', 'bill-1'], coordinator.cli);
  expect(status.stdout).toContain('(BadAssembly)');
  expect(await cfn().describeStack('BillingStack')).toBeUndefined();
  const view = await coordinator.queueWhen('billing', (queue) => queue.holder === null);
  expect(view.waiting).toEqual([]);
});

test.each([
  [['--env', 'staging'], 'environment staging deploys a CDK cloud assembly: give --assembly'],
  [['--env', 'staging', '--assembly', '/no/such/cdk.out'], '/no/such/cdk.out holds no manifest.json'],
  [['--env', 'staging', '--assembly', 's3://'], 'invalid assembly "s3://"'],
  [['--env', 'scripted', '--assembly', '/tmp'], 'environment scripted deploys with a command, not a cloud assembly'],
])('deployctl deploy %j: exit 64, nothing started', async (args, message) => {
  const run = await deployctl(['deploy', ...args, '--correlation-id', 'bad-input'], coordinator.cli);
  expect(run.code).toBe(64);
  expect(run.stderr).toContain(message);
  const env = args[1] ?? '';
  await expect(
    coordinator.env.client.workflow.getHandle(deploymentWorkflowId(env, 'bad-input')).describe(),
  ).rejects.toThrow(/not found/i);
});

test('started without deployctl: a cdk deployment without an assembly fails before it is queued', async () => {
  const handle = await coordinator.deploy({ environment: 'staging', correlationId: 'no-assembly' });
  expect(await outcome(handle)).toMatchObject({
    status: 'failed',
    error: 'environment staging deploys a CDK cloud assembly: give one (deployctl deploy --assembly)',
    errorType: 'BadRequest',
    queuedMs: null,
  });
  await coordinator.queueWhen('staging', (queue) => queue.holder === null && queue.waiting.length === 0);
});

test("this file's histories replay against the workflow code (prepare, execute, change set clean-up)", async () => {
  const ids = await allWorkflowIds(coordinator.env.client);
  expect(ids).toEqual(expect.arrayContaining([deploymentWorkflowId('billing', 'bill-1')]));
  expect(await replayFailures(coordinator.env.client, ids)).toEqual([]);
});
