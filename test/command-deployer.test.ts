// The `command` deployer: argv without a shell, the deployment's variables, clear failures, and cancellation
// that reaches every process the command started.
import { readFileSync } from 'node:fs';
import {
  DEPLOY_STEP,
  environmentDocument,
  eventually,
  readRuns,
  runLog,
  useCoordinator,
  waitForRun,
  outcome,
} from './helpers/coordinator';

const log = runLog();
const coordinator = useCoordinator({
  staging: environmentDocument(log, { stackName: 'Shop-Staging' }),
  missing: environmentDocument(log, { deploy: { type: 'command', command: ['./no-such-deploy-script'] } }),
  literal: environmentDocument(log, {
    deploy: {
      type: 'command',
      command: ['node', '-e', 'process.exit(process.argv[1] === "$HOME;" ? 0 : 9)', '$HOME;'],
    },
  }),
  // Succeeds only if its stdin is open and reads as empty (/dev/null), as a script that reads stdin expects.
  stdin: environmentDocument(log, {
    deploy: {
      type: 'command',
      command: ['sh', '-c', 'test "$(readlink /proc/self/fd/0)" = /dev/null && ! read -r line'],
    },
  }),
  // A shell that starts the real work as a grandchild, as deploy scripts do.
  nested: environmentDocument(log, {
    deploy: {
      type: 'command',
      command: ['sh', '-c', `node ${DEPLOY_STEP} --log ${log} --sleep 60000 & wait`],
      killGracePeriod: '2s',
    },
  }),
});

test("the deploy step's stdin is /dev/null: open, and empty", async () => {
  const handle = await coordinator.deploy({ environment: 'stdin', correlationId: 'stdin' });
  expect(await outcome(handle)).toMatchObject({ status: 'succeeded' });
});

test('the deploy step gets the correlation ID, environment, stack and ref', async () => {
  const handle = await coordinator.deploy({
    environment: 'staging',
    correlationId: 'vars',
    ref: 'refs/tags/v9',
  });
  expect(await outcome(handle)).toMatchObject({ status: 'succeeded' });
  expect(readRuns(log).find((run) => run.correlationId === 'vars')).toMatchObject({
    environment: 'staging',
    stackName: 'Shop-Staging',
    ref: 'refs/tags/v9',
  });
});

test('a --stack override reaches the deploy step', async () => {
  const handle = await coordinator.deploy({
    environment: 'staging',
    correlationId: 'override',
    stackName: 'Shop-Canary',
  });
  expect(await outcome(handle)).toMatchObject({ status: 'succeeded', stackName: 'Shop-Canary' });
  expect(readRuns(log).find((run) => run.correlationId === 'override')?.stackName).toBe('Shop-Canary');
});

test('arguments are passed as they are, never through a shell', async () => {
  const handle = await coordinator.deploy({ environment: 'literal', correlationId: 'argv' });
  expect(await outcome(handle)).toMatchObject({ status: 'succeeded' });
});

test('a command that cannot be run fails the deployment with the reason', async () => {
  const handle = await coordinator.deploy({ environment: 'missing', correlationId: 'enoent' });
  expect(await outcome(handle)).toMatchObject({
    status: 'failed',
    error: 'cannot run deploy command "./no-such-deploy-script": ENOENT',
    errorType: 'DeployCommandNotRunnable',
  });
});

test('an environment the worker does not know fails the deployment and names it', async () => {
  const handle = await coordinator.deploy({ environment: 'qa', correlationId: 'unknown' });
  const result = await outcome(handle);
  expect(result.status).toBe('failed');
  expect(result.errorType).toBe('UnknownEnvironment');
  expect(result.error).toContain('unknown environment "qa"');
});

test('cancelling stops the whole process group, grandchildren included', async () => {
  const handle = await coordinator.deploy({ environment: 'nested', correlationId: 'tree' });
  await waitForRun(log, 'tree');
  await handle.cancel();
  expect(await outcome(handle)).toMatchObject({ status: 'cancelled' });
  const runs = readRuns(log).filter((run) => run.correlationId === 'tree');
  expect(runs.map((run) => run.event)).toEqual(['start', 'terminated']);
  // Gone for good: no such process, or only a zombie left for its new parent to reap.
  const state = () => {
    try {
      return /^State:\s+(\S)/m.exec(readFileSync(`/proc/${runs[0]!.pid}/status`, 'utf8'))?.[1];
    } catch {
      return 'gone';
    }
  };
  expect(
    await eventually(async () => (['gone', 'Z'].includes(state() ?? '') ? state() : undefined), 5000),
  ).toBeTruthy();
});
