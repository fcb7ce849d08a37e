// A worker killed (SIGKILL) mid-deploy: its deploy command dies with it, the deployment fails once its heartbeat
// stops, and the next deployment runs only then: never two deploy steps at once.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { writeConfig } from './helpers/cli';
import {
  environmentDocument,
  eventually,
  Holds,
  readRuns,
  runIntervals,
  runLog,
  startDeployment,
} from './helpers/coordinator';
import { startServer } from './helpers/server';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process';

let env: TestWorkflowEnvironment;
const workers: WorkerProcess[] = [];
const log = runLog();
const holds = new Holds();
const taskQueue = 'worker-lost';
const document = environmentDocument(log, {}, 100, holds);
const configPath = writeConfig({
  staging: { ...document, deploy: { ...document.deploy, heartbeatTimeout: '3s', killGracePeriod: '1s' } },
});

beforeAll(async () => {
  env = await startServer();
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await env?.teardown();
});

async function startWorker(): Promise<WorkerProcess> {
  const worker = await startWorkerProcess(configPath, {
    TEMPORAL_ADDRESS: env.address,
    DEPLOY_TASK_QUEUE: taskQueue,
  });
  workers.push(worker);
  return worker;
}

test('the deploy command dies with its worker and the turn passes on after the heartbeat timeout', async () => {
  const doomedWorker = await startWorker();
  holds.hold('lost');
  const lost = await startDeployment(env, taskQueue, { environment: 'staging', correlationId: 'lost' });
  await eventually(async () => readRuns(log).find((run) => run.correlationId === 'lost'));
  const after = await startDeployment(env, taskQueue, { environment: 'staging', correlationId: 'after' });

  await doomedWorker.stop('SIGKILL');
  workers.splice(workers.indexOf(doomedWorker), 1);
  // Still held, yet terminated: the supervisor stopped the command when the worker vanished.
  const terminated = await eventually(async () =>
    readRuns(log).find((run) => run.correlationId === 'lost' && run.event === 'terminated'),
  );
  expect(terminated.at).toBeGreaterThan(0);

  await startWorker();
  expect(await lost.result()).toMatchObject({
    status: 'failed',
    error: expect.stringContaining('lost the worker running the deploy step') as unknown,
  });
  expect(await after.result()).toMatchObject({ status: 'succeeded' });
  const runs = runIntervals(log);
  expect(runs.map((run) => run.correlationId)).toEqual(['lost', 'after']);
  expect(runs[1]!.start).toBeGreaterThan(runs[0]!.terminated!);
  holds.release('lost');
});
