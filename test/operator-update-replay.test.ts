// Operator messages that race a deployment's local activities: the deployment's history must replay. A local
// activity's result can reach the workflow one task after its marker was recorded (the worker answered a query in
// between), and a message that came meanwhile was then handed over first: such a history did not replay (1.4.0, found
// by the chaos run). Here queries keep coming while cancels arrive at once: 1.4.0 failed this in each of 3 runs.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { cancelDeploymentUpdate, stateQuery } from '../src/contract';
import { executeOperatorUpdate } from '../src/client/operator-message';
import {
  type Coordinator,
  environmentDocument,
  outcome,
  runLog,
  startCoordinator,
  startDeployment,
} from './helpers/coordinator';
import { replayFailures } from './helpers/replay';
import { startServer } from './helpers/server';

let env: TestWorkflowEnvironment;
let coordinator: Coordinator;

beforeAll(async () => {
  env = await startServer();
  // (A step that outlasts the test: each deployment ends by its cancel.)
  coordinator = await startCoordinator(env, { ops: environmentDocument(runLog(), {}, 60_000) });
}, 60_000);
afterAll(async () => {
  await coordinator?.stop();
  await env?.teardown();
});

const DEPLOYMENTS = Number(process.env.RACE_DEPLOYMENTS ?? 40);

test('cancels sent while queries come and local activities run leave histories that replay', async () => {
  const ended = await Promise.all(
    Array.from({ length: DEPLOYMENTS }, async (_, i) => {
      const handle = await startDeployment(env, coordinator.taskQueue, {
        environment: 'ops',
        correlationId: `race-${i}`,
      });
      let asking = true;
      const queries = (async () => {
        while (asking) await handle.query(stateQuery).catch(() => undefined);
      })();
      await new Promise((resolve) => setTimeout(resolve, (i % 8) * 5));
      await executeOperatorUpdate(handle, cancelDeploymentUpdate, { reason: 'race', by: 'ana' }).catch(() => undefined);
      const { status } = await outcome(handle);
      asking = false;
      await queries;
      return { workflowId: handle.workflowId, status };
    }),
  );
  // Each cancel took effect (sent again while turned away as Busy), and every history replays.
  expect(ended.filter(({ status }) => status !== 'cancelled')).toEqual([]);
  expect(
    await replayFailures(
      env.client,
      ended.map(({ workflowId }) => workflowId),
    ),
  ).toEqual([]);
}, 300_000);
