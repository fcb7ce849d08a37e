// The worker makes a fresh namespace ready for the Web UI's filters; deployments keep their attributes current.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureSearchAttributes } from '../src/worker/ensure-search-attributes';
import { temporalExecutable } from '../src/worker/locate-temporal-cli';
import {
  type Coordinator,
  environmentDocument,
  eventually,
  runLog,
  startCoordinator,
  startDeployment,
  outcome,
} from './helpers/coordinator';

let env: TestWorkflowEnvironment;
let coordinator: Coordinator | undefined;

beforeAll(async () => {
  // No search attributes registered up front: as on any fresh server.
  env = await TestWorkflowEnvironment.createLocal({ server: { executable: temporalExecutable(), ip: '127.0.0.1' } });
});
afterAll(async () => {
  await coordinator?.stop();
  await env?.teardown();
});

test('missing search attributes are added once, and deployments can be found by them', async () => {
  const namespace = env.namespace ?? 'default';
  expect((await ensureSearchAttributes(env.connection, namespace)).sort()).toEqual([
    'CorrelationId',
    'DeploymentEnvironment',
    'DeploymentRef',
    'DeploymentStatus',
    'RequestedBy',
    'StackName',
  ]);
  expect(await ensureSearchAttributes(env.connection, namespace)).toEqual([]);

  coordinator = await startCoordinator(env, { staging: environmentDocument(runLog(), { stackName: 'Api-Staging' }) });
  const handle = await startDeployment(env, coordinator.taskQueue, {
    environment: 'staging',
    correlationId: 'findable',
    requestedBy: 'ana@example.com',
  });
  await outcome(handle);

  const query =
    'DeploymentEnvironment = "staging" AND StackName = "Api-Staging" AND CorrelationId = "findable"' +
    ' AND DeploymentStatus = "succeeded" AND RequestedBy = "ana@example.com"';
  const found = await eventually(async () => {
    const ids = [];
    for await (const execution of env.client.workflow.list({ query })) ids.push(execution.workflowId);
    return ids.length > 0 ? ids : undefined;
  });
  expect(found).toEqual(['deploy/staging/findable']);
});
