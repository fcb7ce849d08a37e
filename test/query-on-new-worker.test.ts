// A query that reaches a worker new to a lock, while a release waits for the lock's next workflow task, must not let
// that worker act on the release early: the lock would grant the turn to one deployment where its replay grants it to
// another, and a worker that later rebuilt it from history would let two deployments run at once (seen in the chaos
// run). See src/workflows/workflow-task-guard.ts.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultPayloadConverter } from '@temporalio/common';
import { lockWorkflowId } from '../src/contract/names';
import { grantedSignal, queueQuery, releaseTurnSignal, requestTurnSignal, supersededSignal } from '../src/contract';
import { startDeployctl, writeConfig } from './helpers/cli';
import { environmentDocument, eventually, runLog, turnRequest } from './helpers/coordinator';
import { startServer } from './helpers/server';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process';

const taskQueue = 'query-on-new-worker';
/** Deployments as the lock sees them: open workflows that nothing runs, so that they keep what the lock tells them. */
const listenerQueue = 'query-on-new-worker-nobody-polls';
const configPath = writeConfig({ preview: environmentDocument(runLog()) });
let env: TestWorkflowEnvironment;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  env = await startServer();
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
  await env?.teardown();
});

async function startWorker(): Promise<WorkerProcess> {
  const worker = await startWorkerProcess(configPath, { TEMPORAL_ADDRESS: env.address, DEPLOY_TASK_QUEUE: taskQueue });
  workers.push(worker);
  return worker;
}

/** A deployment's workflow, open, that records every signal sent to it. */
async function listener(name: string): Promise<{ workflowId: string; runId: string }> {
  const workflowId = `deploy/preview/${name}`;
  const handle = await env.client.workflow.start('listener', { taskQueue: listenerQueue, workflowId });
  return { workflowId, runId: handle.firstExecutionRunId };
}

/** The signals a deployment was sent, with their inputs. */
async function told(workflowId: string): Promise<Array<{ name: string; input: Record<string, unknown> }>> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const signaled = event.workflowExecutionSignaledEventAttributes;
    if (!signaled?.signalName) return [];
    const payload = signaled.input?.payloads?.[0];
    const input = payload ? defaultPayloadConverter.fromPayload<Record<string, unknown>>(payload) : {};
    return [{ name: signaled.signalName, input }];
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a query on a worker new to the lock does not let it act on events before their workflow task', async () => {
  const lock = env.client.workflow.getHandle(lockWorkflowId('preview'));
  const request = (deployment: { workflowId: string; runId: string }) =>
    env.client.workflow.signalWithStart('environmentLock', {
      workflowId: lockWorkflowId('preview'),
      taskQueue,
      args: [{ environment: 'preview' }],
      signal: requestTurnSignal,
      signalArgs: [turnRequest(deployment.workflowId, { runId: deployment.runId, queueMode: 'supersede' })],
    });
  const [holder, first, second] = [await listener('holder'), await listener('first'), await listener('second')];

  // The lock runs on worker A: `holder` holds the turn, `first` waits. Worker B is up by then, but the lock's tasks
  // go to A, which ran it last; so do the queries that see `first` waiting, which keep A's queue counted as live.
  const a = await startWorker();
  await request(holder);
  const grant = await eventually(async () =>
    (await told(holder.workflowId)).find((s) => s.name === grantedSignal.name),
  );
  const b = await startWorker();
  await request(first);
  await eventually(async () => ((await lock.query(queueQuery)).waiting.length === 1 ? true : undefined));

  // Worker A is lost. A query now waits on A's queue (the server counts it live for 10 s after its last poll), then
  // goes to worker B with the history as it is by then: with the release in it, waiting for a workflow task that
  // also waits on A's queue (10 s too).
  await a.stop('SIGKILL');
  const asked = lock.query(queueQuery).then(
    (view) => ({ view }),
    (err: unknown) => ({ refused: String(err) }),
  );
  // deployctl asks too: refused as that query will be, it asks again until the lock's task has run.
  const shown = startDeployctl(['queue', '--env', 'preview', '--json'], { address: env.address, taskQueue }).result;
  await sleep(3_000);
  await lock.signal(releaseTurnSignal, { leaseId: String(grant.input.leaseId), durationMs: 1 });
  // B refuses to run the lock on the release there and then; the query can be asked again.
  expect(await asked).toEqual({ refused: expect.stringMatching(/outside a workflow task/) as unknown });

  // `second` asks before the lock's workflow task comes: the task brings the release and the request together.
  await request(second);
  const granted = await eventually(async () =>
    (await told(second.workflowId)).find((s) => s.name === grantedSignal.name),
  );
  expect(granted.input.leaseId).toBe('preview#2');
  // `first` was superseded while it waited, as the lock's replay decides it, and never granted.
  expect((await told(first.workflowId)).map((signal) => signal.name)).toEqual([supersededSignal.name]);
  expect((await told(holder.workflowId)).filter((s) => s.name === grantedSignal.name)).toHaveLength(1);
  // deployctl was refused too, said so, and was answered when it asked again.
  const queue = await shown;
  expect(queue.code).toBe(0);
  expect(queue.stderr).toMatch(/could not answer yet .*; asking again/);
  expect(JSON.parse(queue.stdout)).toMatchObject({ environment: 'preview' });

  // A worker that rebuilds the lock from its history holds what the lock told the deployments.
  expect(await b.stop()).toBe(0);
  await startWorker();
  const view = await eventually(() => lock.query(queueQuery).catch(() => undefined));
  expect(view.holder).toMatchObject({ workflowId: second.workflowId, leaseId: 'preview#2' });
  expect(view.waiting).toEqual([]);
}, 90_000);
