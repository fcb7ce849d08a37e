// Chaos for the cdk deployer on a real dev server, the real CDK CLI and moto: the worker process is killed (SIGKILL)
// while preparing, while executing and while monitoring. Each deployment still ends correctly, with one execution
// at most, and the environment free. A pass-through in front of moto holds the call at which the worker dies.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { awsCloudFormation } from '../src/cloudformation/aws-cloudformation';
import { deploymentWorkflowId, lockWorkflowId } from '../src/contract/names';
import type { deployment } from '../src/workflows';
import { queueQuery, stateQuery } from '../src/contract';
import { AwsGate } from './helpers/aws-gate';
import { bootstrap, fixtureAssembly } from './helpers/cdk';
import { replayFailures } from './helpers/replay';
import { writeConfig } from './helpers/cli';
import { eventually, startDeployment, outcome } from './helpers/coordinator';
import { MOTO_CREDENTIALS, MOTO_REGION, type Moto, startMoto } from './helpers/moto';
import { startServer } from './helpers/server';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process';

let env: TestWorkflowEnvironment;
let moto: Moto;
let gate: AwsGate;
let configPath: string;
const workers: WorkerProcess[] = [];
const taskQueue = 'cdk-worker-lost';
const awsCredentials = {
  AWS_REGION: MOTO_REGION,
  AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
};

beforeAll(async () => {
  [env, moto] = await Promise.all([startServer(), startMoto()]);
  gate = new AwsGate(moto.endpoint);
  const endpoint = await gate.start();
  // Straight to moto: only the deployments' calls go through the gate.
  await bootstrap({ ...awsCredentials, AWS_ENDPOINT_URL: moto.endpoint.replace('127.0.0.1', 'localhost') });
  configPath = writeConfig({
    staging: {
      stackName: 'InventoryStack',
      lockWaitTimeout: '2m',
      deploy: { type: 'cdk', heartbeatTimeout: '3s', killGracePeriod: '1s' },
      cloudformation: { region: MOTO_REGION, endpoint, pollInterval: '2s' },
    },
  });
}, 90_000);
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await gate?.stop();
  await moto?.stop();
  await env?.teardown();
});

async function startWorker(): Promise<WorkerProcess> {
  const worker = await startWorkerProcess(configPath, {
    ...awsCredentials,
    TEMPORAL_ADDRESS: env.address,
    DEPLOY_TASK_QUEUE: taskQueue,
  });
  workers.push(worker);
  return worker;
}

async function kill(worker: WorkerProcess): Promise<void> {
  await worker.stop('SIGKILL');
  workers.splice(workers.indexOf(worker), 1);
}

const stackStatus = async () =>
  (
    await awsCloudFormation({
      region: MOTO_REGION,
      endpoint: moto.endpoint,
      credentials: MOTO_CREDENTIALS,
    }).describeStack('InventoryStack')
  )?.status;

async function expectEnvironmentFree(): Promise<void> {
  const view = await env.client.workflow.getHandle(lockWorkflowId('staging')).query(queueQuery);
  expect(view).toMatchObject({ holder: null, waiting: [] });
}

function deploy(correlationId: string, version: 'v1' | 'v2'): Promise<WorkflowHandle<typeof deployment>> {
  return startDeployment(env, taskQueue, { environment: 'staging', correlationId, assembly: fixtureAssembly(version) });
}

/** Succeeded, and the result's duration is the run's own, though another worker finished it. */
async function expectSucceededWithItsDuration(handle: Awaited<ReturnType<typeof deploy>>): Promise<void> {
  const result = await outcome(handle);
  expect(result).toMatchObject({ status: 'succeeded', error: null });
  const state = await handle.query(stateQuery);
  expect(result.durationMs).toBe(state.finishedAt! - state.startedAt!);
  expect(result.durationMs).toBeGreaterThan(0);
}

test('killed while preparing (CreateChangeSet sent): prepared again by the next worker, executed once', async () => {
  const doomed = await startWorker();
  const held = gate.holdNext('CreateChangeSet');
  const handle = await deploy('lost-prepare', 'v1');
  const call = await held;
  await kill(doomed);
  // The request had reached AWS: the dead attempt's change set exists, unexecuted.
  await call.release();
  await startWorker();

  await expectSucceededWithItsDuration(handle);
  expect(gate.count('CreateChangeSet')).toBe(2);
  expect(gate.count('ExecuteChangeSet')).toBe(1);
  expect(await stackStatus()).toBe('CREATE_COMPLETE');
  await expectEnvironmentFree();
});

test('killed while executing (ExecuteChangeSet sent): the retry finds it executed and does not repeat it', async () => {
  const executedBefore = gate.count('ExecuteChangeSet');
  const doomed = await startWorker();
  const held = gate.holdNext('ExecuteChangeSet');
  const handle = await deploy('lost-execute', 'v2');
  const call = await held;
  await kill(doomed);
  await call.release();
  await startWorker();

  await expectSucceededWithItsDuration(handle);
  expect(gate.count('ExecuteChangeSet') - executedBefore).toBe(1);
  expect(await stackStatus()).toBe('UPDATE_COMPLETE');
  await expectEnvironmentFree();
});

test('killed while monitoring: the next worker resumes the watch from the history, no second update', async () => {
  const executedBefore = gate.count('ExecuteChangeSet');
  const doomed = await startWorker();
  gate.stretchNextExecution(15_000);
  const handle = await deploy('lost-monitor', 'v1');
  // Executed, and waiting for the next poll: the workflow is in its watch loop.
  await eventually(async () => {
    const { events } = await handle.fetchHistory();
    const executed = events?.some(
      (event) =>
        event.activityTaskScheduledEventAttributes?.activityType?.name === 'executeChangeSet' &&
        events.some(
          (later) =>
            later.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === event.eventId?.toString(),
        ),
    );
    return executed && events?.at(-1)?.timerStartedEventAttributes ? true : undefined;
  });
  await kill(doomed);
  await startWorker();

  await expectSucceededWithItsDuration(handle);
  expect(gate.count('ExecuteChangeSet') - executedBefore).toBe(1);
  const state = await handle.query(stateQuery);
  expect(state.stack).toMatchObject({ status: 'UPDATE_COMPLETE', failed: 0 });
  expect(await stackStatus()).toBe('UPDATE_COMPLETE');
  await expectEnvironmentFree();
});

test('cancelled while preparing: the CDK CLI stops, the change set it made is deleted, the turn released', async () => {
  const created = gate.holdNext('CreateChangeSet');
  const handle = await deploy('cancel-prepare', 'v2');
  const creating = await created;
  // Let the change set be created, then keep the CLI waiting on it while the deployment is cancelled.
  const waiting = gate.holdNext('DescribeChangeSet');
  await creating.release();
  const stuck = await waiting;
  await handle.cancel();

  expect(await outcome(handle)).toMatchObject({ status: 'cancelled' });
  const cfn = awsCloudFormation({ region: MOTO_REGION, endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS });
  expect(await cfn.describeChangeSet('InventoryStack', 'deploy-cancel-prepare')).toBeUndefined();
  expect(await stackStatus()).toBe('UPDATE_COMPLETE');
  await expectEnvironmentFree();
  await stuck.release();
});

test('a prepare that fails (CreateChangeSet refused once) is tried again, and the update runs once', async () => {
  const [createdBefore, executedBefore] = [gate.count('CreateChangeSet'), gate.count('ExecuteChangeSet')];
  if (workers.length === 0) await startWorker();
  gate.refuseNext('CreateChangeSet');
  const handle = await deploy('retry-prepare', 'v2');
  await expectSucceededWithItsDuration(handle);
  expect(gate.count('CreateChangeSet') - createdBefore).toBe(1);
  expect(gate.count('ExecuteChangeSet') - executedBefore).toBe(1);
  const events = (await handle.fetchHistory()).events ?? [];
  const prepare = events.find(
    (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'prepareChangeSet',
  );
  const started = events.find(
    (event) => event.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === prepare?.eventId?.toString(),
  );
  expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(2);
  // An update after the tests before it; a create when it runs alone.
  expect(await stackStatus()).toMatch(/^(CREATE|UPDATE)_COMPLETE$/);
  await expectEnvironmentFree();
});

test('the histories of the interrupted deployments replay against the workflow code', async () => {
  const ids = ['lost-prepare', 'lost-execute', 'lost-monitor', 'cancel-prepare', 'retry-prepare'].map((id) =>
    deploymentWorkflowId('staging', id),
  );
  expect(await replayFailures(env.client, ids)).toEqual([]);
});
