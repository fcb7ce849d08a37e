// docker-compose.yml's topology run natively: a PostgreSQL cluster, the Temporal server built from Go modules on it
// (persistence and SQL visibility, configured by the compose file's variables), the compose file's schema and
// namespace jobs, two worker processes and deployctl. What runs on the dev server must hold here too.
import { Client, Connection } from '@temporalio/client';
import { queueQuery } from '../src/contract';
import { deployctl, writeConfig } from './helpers/cli';
import {
  environmentDocument,
  eventually,
  Holds,
  readRuns,
  runIntervals,
  runLog,
  waitForRun,
  outcome,
} from './helpers/coordinator';
import { type Postgres, startPostgres } from './helpers/postgres';
import { createNamespace, setUpSchemas, startTemporalServer, type TemporalServer } from './helpers/temporal-server';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process';

jest.setTimeout(180_000);

const log = runLog();
const holds = new Holds();
const held = environmentDocument(log, {}, 300, holds);
const configPath = writeConfig({
  // A lost worker shows within 3 s here (30 s by default).
  alpha: { ...held, deploy: { ...held.deploy, heartbeatTimeout: '3s' } },
  beta: environmentDocument(log, {}, 300),
});
const taskQueue = 'production-topology';

let pg: Postgres | undefined;
let server: TemporalServer | undefined;
let connection: Connection | undefined;
let client: Client;
const workers: WorkerProcess[] = [];
const startWorker = async () => {
  workers.push(
    await startWorkerProcess(configPath, { TEMPORAL_ADDRESS: server!.address, DEPLOY_TASK_QUEUE: taskQueue }),
  );
};

beforeAll(async () => {
  pg = await startPostgres();
  expect(setUpSchemas(pg)).toContain('schemas up to date');
  server = await startTemporalServer(pg);
  expect(createNamespace(server.address)).toMatch(/namespace default (created|exists)/);
  await startWorker();
  await startWorker();
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop().catch(() => undefined)));
  await connection?.close();
  await server?.stop();
  pg?.stop();
});

const request = (environment: string, correlationId: string) =>
  client.workflow.start('deployment', {
    taskQueue,
    workflowId: `deploy/${environment}/${correlationId}`,
    args: [{ environment, correlationId, priority: 'normal' }],
  });

/** The runs of these deployments, in the order they ran, each ending before the next began. */
const noOverlap = (ids: string[]) => {
  const runs = runIntervals(log).filter((run) => ids.includes(run.correlationId));
  expect(runs.map((run) => run.correlationId).sort()).toEqual([...ids].sort());
  for (let i = 1; i < runs.length; i++) {
    expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end ?? runs[i - 1]!.terminated!);
  }
  return runs;
};

test('the worker adds its search attributes to the namespace on SQL visibility', async () => {
  const { customAttributes } = await connection!.operatorService.listSearchAttributes({ namespace: 'default' });
  for (const name of ['DeploymentEnvironment', 'StackName', 'CorrelationId', 'DeploymentStatus']) {
    expect(customAttributes).toHaveProperty(name);
  }
});

test('two workers: one deployment at a time per environment, environments in parallel; deployctl works', async () => {
  const alpha = ['a-1', 'a-2', 'a-3', 'a-4'];
  // alpha's first run is held until beta deploys: on a loaded machine deployctl's start-up alone can outlast alpha's
  // whole queue, and the test is of parallel environments, not of start-up times.
  holds.hold('a-1');
  const handles = [];
  for (const id of alpha) handles.push(await request('alpha', id));
  await waitForRun(log, 'a-1');
  const betaDone = Promise.all(
    ['b-1', 'b-2'].map((id) =>
      deployctl(['deploy', '--env', 'beta', '--correlation-id', id], {
        address: server!.address,
        taskQueue,
        configPath,
      }),
    ),
  );
  await Promise.race([waitForRun(log, 'b-1'), waitForRun(log, 'b-2')]);
  holds.release('a-1');
  const beta = await betaDone;
  for (const run of beta) expect(run.code).toBe(0);
  expect((await Promise.all(handles.map((handle) => outcome(handle)))).map((result) => result.status)).toEqual([
    'succeeded',
    'succeeded',
    'succeeded',
    'succeeded',
  ]);
  const alphaRuns = noOverlap(alpha);
  const betaRuns = runIntervals(log).filter((run) => run.correlationId.startsWith('b-'));
  expect(betaRuns).toHaveLength(2);
  expect(betaRuns[0]!.end! <= betaRuns[1]!.start || betaRuns[1]!.end! <= betaRuns[0]!.start).toBe(true);
  // In parallel: some beta deployment ran while alpha's queue was running.
  const alphaSpan = { start: alphaRuns[0]!.start, end: alphaRuns[alphaRuns.length - 1]!.end! };
  expect(betaRuns.some((run) => run.start < alphaSpan.end && run.end! > alphaSpan.start)).toBe(true);
});

test('worker killed mid-deploy, server restarted mid-queue: all deployments end, in order, none overlaps', async () => {
  holds.hold('k-1');
  const first = await request('alpha', 'k-1');
  const started = await waitForRun(log, 'k-1');
  const queued = [await request('alpha', 'k-2'), await request('alpha', 'k-3')];
  // The order the queue holds them in (first come, first served at the lock) is the order they must run in.
  const view = await eventually(async () => {
    const queue = await client.workflow.getHandle('env-lock/alpha').query(queueQuery);
    return queue.waiting.length === 2 ? queue : undefined;
  });
  const order = view.waiting.map((entry) => entry.correlationId);

  // The worker running k-1's deploy step dies: its supervisor stops the command at once.
  // (The deploy command's output is streamed into the log of the worker that runs it, tagged with its correlation ID.)
  const runsK1 = (worker: WorkerProcess) =>
    worker
      .output()
      .split('\n')
      .some((line) => line.includes('deploying TestStack to alpha') && line.includes('"correlationId":"k-1"'));
  const runner = await eventually(async () => workers.find(runsK1));
  expect(runner).toBeDefined();
  await runner!.stop('SIGKILL');
  workers.splice(workers.indexOf(runner!), 1);
  await waitForRun(log, 'k-1', 'terminated');

  // The server restarts with k-2 and k-3 waiting; a replacement worker comes up meanwhile.
  await server!.restart();
  await startWorker();
  holds.release('k-1');

  expect(await outcome(first)).toMatchObject({ status: 'failed', errorType: 'WorkerLost' });
  for (const handle of queued) expect(await outcome(handle)).toMatchObject({ status: 'succeeded' });
  const runs = noOverlap(['k-1', 'k-2', 'k-3']);
  expect(runs.map((run) => run.correlationId)).toEqual(['k-1', ...order]);
  expect(runs[0]!.start).toBe(started.at);
  // k-1 ran once: the lost step was not retried.
  expect(readRuns(log).filter((run) => run.correlationId === 'k-1' && run.event === 'start')).toHaveLength(1);
});

test('deployments are found by search attribute on SQL visibility', async () => {
  const ids = async (query: string) => {
    const found: string[] = [];
    for await (const execution of client.workflow.list({ query })) found.push(execution.workflowId);
    return found.sort();
  };
  const alpha = await eventually(async () => {
    const found = await ids(`DeploymentEnvironment = 'alpha' AND WorkflowType = 'deployment'`);
    return found.length === 7 ? found : undefined;
  });
  expect(alpha).toEqual(['a-1', 'a-2', 'a-3', 'a-4', 'k-1', 'k-2', 'k-3'].map((id) => `deploy/alpha/${id}`));
  expect(await ids(`DeploymentEnvironment = 'alpha' AND DeploymentStatus = 'failed'`)).toEqual(['deploy/alpha/k-1']);
  expect(await ids(`CorrelationId = 'b-2'`)).toEqual(['deploy/beta/b-2']);
});
