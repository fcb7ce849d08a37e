// AWS credentials live in the worker's (or the runner's) environment only. With recognisable fake keys: a cdk
// deployment against moto, a deploy command that prints the keys and fails, and deployctl run doing the same on a
// "runner". None of the keys reaches a workflow history, a worker log line (at debug), deployctl's output or an error.
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { deployctl, writeConfig } from './helpers/cli';
import { bootstrap, fixtureAssembly } from './helpers/cdk';
import { MOTO_REGION, type Moto, startMoto } from './helpers/moto';
import { startServer } from './helpers/server';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process';

const FAKE = {
  AWS_ACCESS_KEY_ID: 'AKIAFAKEHYGIENE7X2Q9',
  AWS_SECRET_ACCESS_KEY: 'fake/Hygiene+Secret/Key0123456789abcdefXYZ',
  AWS_SESSION_TOKEN: 'FakeHygieneSessionToken//ZW5jb2RlZA==recognisable',
};
const SECRETS = Object.values(FAKE);
const leaks = (text: string) => SECRETS.filter((secret) => text.includes(secret));

let env: TestWorkflowEnvironment;
let moto: Moto;
let worker: WorkerProcess;
const outputs: string[] = [];
const taskQueue = 'aws-credentials';
let target: { address: string; taskQueue: string; configPath: string };
const printsKeys = [
  'sh',
  '-c',
  'echo "key $AWS_ACCESS_KEY_ID"; echo "secret $AWS_SECRET_ACCESS_KEY token $AWS_SESSION_TOKEN" >&2; exit 1',
];

beforeAll(async () => {
  [env, moto] = await Promise.all([startServer(), startMoto()]);
  // moto reads template URLs path-style only when they name "localhost" (it still listens on 127.0.0.1 alone).
  const aws = { AWS_ENDPOINT_URL: moto.endpoint.replace('127.0.0.1', 'localhost'), AWS_REGION: MOTO_REGION, ...FAKE };
  await bootstrap(aws);
  const configPath = writeConfig({
    staging: {
      stackName: 'InventoryStack',
      lockWaitTimeout: '2m',
      deploy: { type: 'cdk' },
      cloudformation: { region: MOTO_REGION, pollInterval: '300ms' },
    },
    scripted: { stackName: 'Scripted', deploy: { type: 'command', command: printsKeys } },
    runners: { stackName: 'OnRunner', deploy: { type: 'runner' } },
  });
  target = { address: env.address, taskQueue, configPath };
  worker = await startWorkerProcess(configPath, {
    ...aws,
    TEMPORAL_ADDRESS: env.address,
    DEPLOY_TASK_QUEUE: taskQueue,
    LOG_LEVEL: 'debug',
    LOG_FORMAT: 'json',
  });
}, 90_000);
afterAll(async () => {
  await worker?.stop();
  await moto?.stop();
  await env?.teardown();
});

test('a cdk deployment with the keys in the worker environment deploys (searched for the keys below)', async () => {
  const run = await deployctl(
    ['deploy', '--env', 'staging', '--correlation-id', 'cdk-1', '--assembly', fixtureAssembly('v1'), '--json'],
    target,
  );
  expect(JSON.parse(run.stdout)).toMatchObject({ status: 'succeeded' });
  outputs.push(run.stdout, run.stderr);
});

test('a deploy command that prints the keys and fails: its output is logged and quoted masked', async () => {
  const run = await deployctl(['deploy', '--env', 'scripted', '--correlation-id', 'prints-1', '--json'], target);
  expect(run.code).toBe(1);
  const result = JSON.parse(run.stdout) as { status: string; error: string };
  expect(result.status).toBe('failed');
  // The failure quotes the last line, as ever, with the keys masked.
  expect(result.error).toContain('secret *** token ***');
  outputs.push(run.stdout, run.stderr);
  expect(worker.output()).toContain('key ***');
});

test('deployctl run on a runner holding the keys: the last line it reports to the deployment is masked', async () => {
  const run = await deployctl(
    ['run', '--env', 'runners', '--correlation-id', 'runner-1', '--json', '--', ...printsKeys],
    target,
    FAKE,
  );
  expect(run.code).toBe(1);
  expect((JSON.parse(run.stdout) as { error: string }).error).toContain('secret *** token ***');
  // The command's own output goes to the CI log as it is: CI masks its secrets there.
  outputs.push(run.stdout);
});

test('no key in any history, in the worker log or in what deployctl printed', async () => {
  const histories: string[] = [];
  for await (const execution of env.client.workflow.list()) {
    const history = await env.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    histories.push(historyToJSON(history));
  }
  expect(histories.length).toBeGreaterThanOrEqual(6);
  expect(histories.flatMap(leaks)).toEqual([]);
  expect(leaks(worker.output())).toEqual([]);
  expect(outputs.flatMap(leaks)).toEqual([]);
  // What was searched holds what the keys would have come with: the cdk run and the command's output (masked).
  expect(worker.output()).toContain('InventoryStack');
  expect(worker.output()).toContain('key ***');
});
