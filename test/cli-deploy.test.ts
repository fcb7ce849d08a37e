// deployctl deploy end to end: outcome, --json, attaching to an existing correlation ID, exit codes 0/1/2.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILT_DEPLOYCTL, deployctl, startDeployctl } from './helpers/cli';
import { projectRoot } from './helpers/project-root';
import {
  environmentDocument,
  Holds,
  readRuns,
  outcome,
  runLog,
  useCoordinator,
  waitForRun,
} from './helpers/coordinator';

const log = runLog();
const holds = new Holds();
const coordinator = useCoordinator({
  staging: environmentDocument(log, {}, 300),
  broken: environmentDocument(log, {
    deploy: { type: 'command', command: ['node', '-e', 'console.error("boom: template invalid"); process.exit(3)'] },
  }),
  slow: environmentDocument(log, { lockWaitTimeout: '2s' }, 100, holds),
  held: environmentDocument(log, {}, 100, holds),
});

test('a successful deployment exits 0 and prints the JSON outcome', async () => {
  const result = await deployctl(
    ['deploy', '--env', 'staging', '--correlation-id', 'cli-ok', '--ref', 'v1.2.3', '--json'],
    coordinator.cli,
  );
  expect(result.code).toBe(0);
  const outcome = JSON.parse(result.stdout) as Record<string, unknown>;
  expect(outcome).toMatchObject({
    correlationId: 'cli-ok',
    workflowId: 'deploy/staging/cli-ok',
    environment: 'staging',
    stackName: 'TestStack',
    status: 'succeeded',
    error: null,
  });
  expect(outcome).not.toHaveProperty('errorType');
  expect(outcome.durationMs).toEqual(expect.any(Number));
  expect(outcome.queuedMs).toEqual(expect.any(Number));
  const runs = readRuns(log).filter((run) => run.correlationId === 'cli-ok');
  expect(runs.map((run) => run.event)).toEqual(['start', 'end']);
  expect(runs[0]?.ref).toBe('v1.2.3');
});

test('the built deployctl (bin/deployctl.js) runs the same bytes as the single file, and deploys', async () => {
  // The other tests run the single file alone; this one covers what npm installs, which loads dist/deployctl.js.
  const built = readFileSync(join(projectRoot(), 'dist', 'deployctl.js'));
  expect(built.equals(readFileSync(process.env.DEPLOYCTL_UNDER_TEST!))).toBe(true);
  const result = await deployctl(['deploy', '--env', 'staging', '--correlation-id', 'cli-built', '--json'], {
    ...coordinator.cli,
    executable: BUILT_DEPLOYCTL,
  });
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout)).toMatchObject({ correlationId: 'cli-built', status: 'succeeded' });
});

test('resubmitting a correlation ID attaches to the same deployment and starts nothing new', async () => {
  const first = await deployctl(['deploy', '--env', 'staging', '--correlation-id', 'cli-again'], coordinator.cli);
  expect(first.code).toBe(0);
  const again = await deployctl(
    ['deploy', '--env', 'staging', '--correlation-id', 'cli-again', '--json'],
    coordinator.cli,
  );
  expect(again.code).toBe(0);
  expect(again.stderr).toContain('attaching');
  expect(JSON.parse(again.stdout)).toMatchObject({ correlationId: 'cli-again', status: 'succeeded' });
  expect(readRuns(log).filter((run) => run.correlationId === 'cli-again' && run.event === 'start')).toHaveLength(1);
  const executions = [];
  for await (const execution of coordinator.env.client.workflow.list({
    query: `WorkflowId = 'deploy/staging/cli-again'`,
  })) {
    executions.push(execution);
  }
  expect(executions).toHaveLength(1);
});

test('a failed deploy step exits 1 and says why', async () => {
  const result = await deployctl(
    ['deploy', '--env', 'broken', '--correlation-id', 'cli-fail', '--json'],
    coordinator.cli,
  );
  expect(result.code).toBe(1);
  const outcome = JSON.parse(result.stdout) as { status: string; error: string; errorType: string };
  expect(outcome.status).toBe('failed');
  expect(outcome.errorType).toBe('DeployCommandFailed');
  expect(outcome.error).toContain('exited with code 3');
  expect(outcome.error).toContain('boom: template invalid');
});

test('giving up on the lock wait timeout exits 2, and the queue forgets the deployment', async () => {
  holds.hold('slow-holder');
  const holder = await deployctl(
    ['deploy', '--env', 'slow', '--correlation-id', 'slow-holder', '--detach'],
    coordinator.cli,
  );
  expect(holder.code).toBe(0);
  const waiter = await deployctl(
    ['deploy', '--env', 'slow', '--correlation-id', 'slow-waiter', '--json'],
    coordinator.cli,
  );
  expect(waiter.code).toBe(2);
  expect(JSON.parse(waiter.stdout)).toMatchObject({ status: 'timed-out', durationMs: null });
  const queue = await deployctl(['queue', '--env', 'slow', '--json'], coordinator.cli);
  const view = JSON.parse(queue.stdout) as { holder: { correlationId: string } | null; waiting: unknown[] };
  expect(view.holder?.correlationId).toBe('slow-holder');
  expect(view.waiting).toEqual([]);
  expect(readRuns(log).some((run) => run.correlationId === 'slow-waiter')).toBe(false);
  holds.release('slow-holder');
  await outcome(coordinator.env.client.workflow.getHandle('deploy/slow/slow-holder'));
});

test('--wait-timeout overrides the environment and detach returns while queued', async () => {
  holds.hold('slow-holder-2');
  const holder = await deployctl(
    ['deploy', '--env', 'slow', '--correlation-id', 'slow-holder-2', '--detach'],
    coordinator.cli,
  );
  expect(holder.code).toBe(0);
  const detached = await deployctl(
    ['deploy', '--env', 'slow', '--correlation-id', 'slow-detached', '--wait-timeout', '1m', '--detach', '--json'],
    coordinator.cli,
  );
  expect(detached.code).toBe(0);
  expect(JSON.parse(detached.stdout)).toMatchObject({ status: 'queued' });
  const status = await deployctl(['status', '--env', 'slow', 'slow-detached', '--json'], coordinator.cli);
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({ status: 'queued', settings: { lockWaitTimeoutMs: 2000 } });
  // Longer than the environment's 2 s: only --wait-timeout keeps it waiting.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  holds.release('slow-holder-2');
  const followed = await deployctl(
    ['deploy', '--env', 'slow', '--correlation-id', 'slow-detached', '--json'],
    coordinator.cli,
  );
  expect(followed.code).toBe(0);
  expect(JSON.parse(followed.stdout)).toMatchObject({ status: 'succeeded' });
});

test('a CI runner that dies while following changes nothing: the deployment goes on', async () => {
  holds.hold('orphaned');
  const follower = startDeployctl(['deploy', '--env', 'held', '--correlation-id', 'orphaned'], coordinator.cli);
  await waitForRun(log, 'orphaned');
  follower.child.kill('SIGKILL');
  expect((await follower.result).code).toBeNull();
  holds.release('orphaned');
  const handle = coordinator.env.client.workflow.getHandle('deploy/held/orphaned');
  expect(await outcome(handle)).toMatchObject({ status: 'succeeded' });
  // A new runner can attach and read the outcome.
  const attached = await deployctl(
    ['deploy', '--env', 'held', '--correlation-id', 'orphaned', '--json'],
    coordinator.cli,
  );
  expect(attached.code).toBe(0);
  expect(JSON.parse(attached.stdout)).toMatchObject({ status: 'succeeded' });
});

test('in GitHub Actions the default correlation ID carries the run ID, and the deployment links the run', async () => {
  const result = await deployctl(['deploy', '--env', 'staging', '--json'], coordinator.cli, {
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/court-case',
    GITHUB_RUN_ID: '8812345',
  });
  expect(result.code).toBe(0);
  const { correlationId } = JSON.parse(result.stdout) as { correlationId: string };
  expect(correlationId).toMatch(/^deploy-\d{8}-\d{6}-8812345$/);
  const status = await deployctl(['status', '--env', 'staging', correlationId, '--json'], coordinator.cli);
  expect(JSON.parse(status.stdout)).toMatchObject({
    ciRunUrl: 'https://github.com/acme/court-case/actions/runs/8812345',
  });
});
