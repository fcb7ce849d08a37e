// The workflow-task guard's second rule with the SDK itself: the first activation of a workflow task taken up after
// the task's timeout is refused before the workflow runs on it, and the task the server gives again runs. (The case
// the rule is for, a query's replay that ends in a task that timed out, is ADR 9's; here the SDK is made to meet a
// stale task by a busy workflow on the worker's one workflow thread.)
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startServer } from './helpers/server';

const taskQueue = 'timed-out-task';
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await startServer();
});
afterAll(async () => {
  await env?.teardown();
});

test('a workflow task taken up after its timeout is refused; the task given again runs', async () => {
  const agesMs: number[] = [];
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('./fixtures/workflows/timed-out-task'),
    interceptors: { workflowModules: [require.resolve('../src/workflows/workflow-task-guard')] },
    // One workflow thread: while `busy` holds it, the other workflow's task waits in the worker past its timeout.
    workflowThreadPoolSize: 1,
    sinks: { seen: { ran: { fn: (_info, ageMs: number) => void agesMs.push(ageMs) } } },
  });
  await worker.runUntil(async () => {
    const busy = env.client.workflow.execute('busy', { taskQueue, workflowId: 'busy', args: [4000] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await env.client.workflow.execute('reportsTaskAge', {
      taskQueue,
      workflowId: 'reports',
      workflowTaskTimeout: '2s',
    });
    await busy;
  });
  // Its first task waited about 4 s for the thread; the guard refused it before the workflow ran. It ran once, on the
  // task given again, within that task's timeout.
  expect(agesMs).toHaveLength(1);
  expect(agesMs[0]).toBeLessThan(2000);
  const history = await env.client.workflow.getHandle('reports').fetchHistory();
  expect(history.events?.some((event) => event.workflowTaskTimedOutEventAttributes)).toBe(true);
});
