// Force-release: the lock drops its holder at once and passes the turn on; the holder stops and ends as revoked.
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
const environments = { production: environmentDocument(log, {}, 100, holds) };

beforeAll(async () => {
  env = await startServer();
  coordinator = await startCoordinator(env, environments);
  target = { address: env.address, taskQueue: coordinator.taskQueue, configPath: writeConfig(environments) };
});
afterAll(async () => {
  await coordinator?.stop();
  await env?.teardown();
});

test('force-release revokes the holder and hands the turn to the next deployment', async () => {
  holds.hold('stuck');
  const stuck = await startDeployment(env, coordinator.taskQueue, {
    environment: 'production',
    correlationId: 'stuck',
  });
  await eventually(async () => readRuns(log).find((run) => run.correlationId === 'stuck'));
  const next = await startDeployment(env, coordinator.taskQueue, { environment: 'production', correlationId: 'next' });
  await queueWhen(env, 'production', (view) => view.waiting.some((entry) => entry.correlationId === 'next'));

  const released = await deployctl(['force-release', '--env', 'production', '--reason', 'runner lost'], target);
  expect(released.code).toBe(0);

  expect(await stuck.result()).toMatchObject({ status: 'revoked', error: 'force-released: runner lost' });
  expect(await next.result()).toMatchObject({ status: 'succeeded' });
  expect(runIntervals(log).find((run) => run.correlationId === 'stuck')?.terminated).toEqual(expect.any(Number));
  const view = await queueWhen(env, 'production', (queue) => queue.holder === null);
  expect(view.waiting).toEqual([]);
  holds.release('stuck');
});

test('force-release of an environment without a lock says so and exits 0', async () => {
  const result = await deployctl(['force-release', '--env', 'nowhere', '--reason', 'check'], target);
  expect(result.code).toBe(0);
  expect(result.stderr).toContain('nothing to release');
});
