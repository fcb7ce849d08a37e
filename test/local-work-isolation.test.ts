// The worker loads workflow modules once for all workflows (src/worker/workflow-bundle.ts). local-work.ts counts a
// workflow's running local activities: the count must stay each workflow's own, or an operator's message to one
// deployment would be turned away while another deployment's local activity runs.
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WORKFLOW_BUNDLE_MODULES } from '../src/worker/workflow-bundle';
import { startServer } from './helpers/server';
import { QUIET_BUNDLER } from './helpers/quiet-bundler';

const taskQueue = 'local-work-isolation';
const fixture = require.resolve('./fixtures/workflows/local-work-isolation');
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await startServer();
});
afterAll(async () => {
  await env?.teardown();
});

test("one workflow's running local activity is not another's", async () => {
  let started!: () => void;
  const heldStarted = new Promise<void>((resolve) => (started = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({
      ...WORKFLOW_BUNDLE_MODULES,
      workflowsPath: fixture,
      preloadModules: [...WORKFLOW_BUNDLE_MODULES.preloadModules, fixture],
      logger: QUIET_BUNDLER,
    }),
    // One workflow thread, one context: both workflows share the modules, as on a real worker.
    workflowThreadPoolSize: 1,
    activities: {
      held: async () => {
        started();
        await released;
      },
    },
  });
  await worker.runUntil(async () => {
    const holder = await env.client.workflow.start('holdsLocalWork', { taskQueue, workflowId: 'holder' });
    await heldStarted;
    const othersView = await env.client.workflow.execute('reportsLocalWork', { taskQueue, workflowId: 'other' });
    release();
    expect(othersView).toBe(false);
    expect(await holder.result()).toBe(true);
  });
});
