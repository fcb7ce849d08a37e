// The lock is per environment: staging and production deploy at the same time.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  type Coordinator,
  environmentDocument,
  runIntervals,
  runLog,
  startCoordinator,
  startDeployment,
} from './helpers/coordinator';
import { startServer } from './helpers/server';

let env: TestWorkflowEnvironment;
let coordinator: Coordinator;
const log = runLog();

beforeAll(async () => {
  env = await startServer();
  coordinator = await startCoordinator(env, {
    staging: environmentDocument(log, { stackName: 'AppStack-Staging' }, 2000),
    production: environmentDocument(log, { stackName: 'AppStack' }, 2000),
  });
});
afterAll(async () => {
  await coordinator?.stop();
  await env?.teardown();
});

test('two environments run their deployments in parallel', async () => {
  const handles = await Promise.all([
    startDeployment(env, coordinator.taskQueue, { environment: 'staging', correlationId: 'par-staging' }),
    startDeployment(env, coordinator.taskQueue, { environment: 'production', correlationId: 'par-production' }),
  ]);
  const results = await Promise.all(handles.map((handle) => handle.result()));
  expect(results.map((result) => [result.environment, result.stackName, result.status])).toEqual([
    ['staging', 'AppStack-Staging', 'succeeded'],
    ['production', 'AppStack', 'succeeded'],
  ]);
  const [first, second] = runIntervals(log);
  // Overlap: the second started before the first ended.
  expect(second!.start).toBeLessThan(first!.end!);
});
