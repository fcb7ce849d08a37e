// Cancel: a waiting deployment leaves the queue; a running one has its deploy process group stopped, then releases.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { type CliTarget, deployctl, writeConfig } from './helpers/cli';
import {
  type Coordinator,
  environmentDocument,
  eventually,
  Holds,
  queueWhen,
  readRuns,
  runIntervals,
  runLog,
  startCoordinator,
  startDeployment,
} from './helpers/coordinator';
import { startServer } from './helpers/server';

let env: TestWorkflowEnvironment;
let coordinator: Coordinator;
let target: CliTarget;
const log = runLog();
const holds = new Holds();
const environments = { staging: environmentDocument(log, {}, 100, holds) };

beforeAll(async () => {
  env = await startServer();
  coordinator = await startCoordinator(env, environments);
  target = { address: env.address, taskQueue: coordinator.taskQueue, configPath: writeConfig(environments) };
});
afterAll(async () => {
  await coordinator?.stop();
  await env?.teardown();
});

const started = (correlationId: string) =>
  eventually(async () => readRuns(log).find((run) => run.correlationId === correlationId && run.event === 'start'));

test('a cancelled waiting deployment leaves the queue without deploying', async () => {
  holds.hold('w-holder');
  const holder = await startDeployment(env, coordinator.taskQueue, {
    environment: 'staging',
    correlationId: 'w-holder',
  });
  await started('w-holder');
  const waiter = await startDeployment(env, coordinator.taskQueue, {
    environment: 'staging',
    correlationId: 'w-waiter',
  });
  await queueWhen(env, 'staging', (view) => view.waiting.some((entry) => entry.correlationId === 'w-waiter'));

  const cancel = await deployctl(['cancel', '--env', 'staging', 'w-waiter', '--reason', 'wrong branch'], target);
  expect(cancel.code).toBe(0);
  expect(await waiter.result()).toMatchObject({ status: 'cancelled', error: 'wrong branch', durationMs: null });
  const view = await queueWhen(env, 'staging', (queue) => queue.waiting.length === 0);
  expect(view.holder?.correlationId).toBe('w-holder');

  holds.release('w-holder');
  expect(await holder.result()).toMatchObject({ status: 'succeeded' });
  expect(readRuns(log).some((run) => run.correlationId === 'w-waiter')).toBe(false);
});

test('a cancelled running deployment stops its deploy process, then the next one runs', async () => {
  holds.hold('r-running');
  const running = await startDeployment(env, coordinator.taskQueue, {
    environment: 'staging',
    correlationId: 'r-running',
  });
  await started('r-running');
  const next = await startDeployment(env, coordinator.taskQueue, { environment: 'staging', correlationId: 'r-next' });
  await queueWhen(env, 'staging', (view) => view.waiting.some((entry) => entry.correlationId === 'r-next'));

  // deployctl deploy following the running deployment reports the cancel with exit 3.
  const follower = deployctl(['deploy', '--env', 'staging', '--correlation-id', 'r-running', '--json'], target);
  const cancel = await deployctl(['cancel', '--env', 'staging', 'r-running'], target);
  expect(cancel.code).toBe(0);
  const followed = await follower;
  expect(followed.code).toBe(3);
  expect(JSON.parse(followed.stdout)).toMatchObject({ status: 'cancelled' });

  expect(await next.result()).toMatchObject({ status: 'succeeded' });
  const runs = runIntervals(log);
  const stopped = runs.find((run) => run.correlationId === 'r-running');
  const after = runs.find((run) => run.correlationId === 'r-next');
  expect(stopped?.terminated).toEqual(expect.any(Number));
  expect(stopped?.end).toBeUndefined();
  // The turn passed on only after the cancelled process was gone.
  expect(after!.start).toBeGreaterThanOrEqual(stopped!.terminated!);
  holds.release('r-running');
  expect(await running.result()).toMatchObject({ status: 'cancelled' });
});

test('cancelling the workflow from the Web UI or API also stops the deploy and frees the environment', async () => {
  holds.hold('ui-running');
  const running = await startDeployment(env, coordinator.taskQueue, {
    environment: 'staging',
    correlationId: 'ui-running',
  });
  await started('ui-running');
  await running.cancel();
  expect(await running.result()).toMatchObject({ status: 'cancelled', error: 'cancelled from the Web UI or API' });
  expect(runIntervals(log).find((run) => run.correlationId === 'ui-running')?.terminated).toEqual(expect.any(Number));
  await queueWhen(env, 'staging', (view) => view.holder === null && view.waiting.length === 0);
  holds.release('ui-running');
});
