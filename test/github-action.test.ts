// The GitHub Action's bundle run as GitHub runs it: `node action.js` alone in a directory without node_modules,
// inputs as INPUT_* variables, outputs and the job summary in the files GitHub names, annotations on stdout.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEPLOY_STEP,
  environmentDocument,
  eventually,
  Holds,
  runLog,
  useCoordinator,
  waitForRun,
  outcome,
} from './helpers/coordinator';

const log = runLog();
const holds = new Holds();
const coordinator = useCoordinator({
  staging: environmentDocument(log, {}, 100, holds),
  broken: environmentDocument(log, { deploy: { type: 'command', command: ['node', '-e', 'process.exit(3)'] } }),
  production: environmentDocument(log, { promotion: { from: 'staging' } }),
});

interface ActionRun {
  code: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Starts the committed bundle alone, as a workflow step with these inputs; `output()` is its log so far. */
function startAction(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
): { child: ChildProcess; output: () => string; result: Promise<ActionRun> } {
  const dir = mkdtempSync(join(tmpdir(), 'action-'));
  copyFileSync(join(__dirname, '..', 'bundle', 'action.js'), join(dir, 'action.js'));
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
  );
  const child = spawn(process.execPath, ['action.js'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_SHA: 'abc123def',
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_REPOSITORY: 'acme/app',
      DEPLOY_TASK_QUEUE: coordinator.taskQueue,
      INPUT_DETACH: 'false',
      ...inputEnv,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const result = new Promise<ActionRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      // GitHub's file command format: name<<DELIMITER, the value, DELIMITER.
      const outputs: Record<string, string> = {};
      const text = readFileSync(outputFile, 'utf8');
      for (const match of text.matchAll(/^(.+?)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[match[1]!] = match[3]!;
      resolve({ code, stdout, outputs, summary: readFileSync(summaryFile, 'utf8') });
    });
  });
  return { child, output: () => stdout, result };
}

const runAction = (inputs: Record<string, string>, env: Record<string, string> = {}) => startAction(inputs, env).result;

test('a deployment that waits its turn: outputs, summary, grouped progress, exit 0', async () => {
  holds.hold('a-holder');
  const holder = await coordinator.deploy({ environment: 'staging', correlationId: 'a-holder' });
  await waitForRun(log, 'a-holder');
  const action = startAction({ environment: 'staging', 'temporal-address': coordinator.cli.address });
  await eventually(async () => (/queued at position/.test(action.output()) ? true : undefined));
  holds.release('a-holder');
  const run = await action.result;
  expect(await outcome(holder)).toMatchObject({ status: 'succeeded' });

  expect(run.code).toBe(0);
  expect(run.outputs).toMatchObject({
    status: 'succeeded',
    'correlation-id': 'deploy-4242-1',
    'workflow-id': 'deploy/staging/deploy-4242-1',
    outputs: '{}',
  });
  expect(Number(run.outputs['duration-ms'])).toBeGreaterThan(0);
  expect(Number(run.outputs['queued-ms'])).toBeGreaterThan(0);
  expect(run.outputs.url).toContain('/workflows/deploy%2Fstaging%2Fdeploy-4242-1');
  expect(run.stdout).toContain('::group::Deploying deploy-4242-1 to staging');
  expect(run.stdout).toMatch(/deploy-4242-1: queued at position 1 of 1, behind a-holder/);
  expect(run.stdout).toContain('::endgroup::');
  expect(run.summary).toContain('Deployment deploy-4242-1: succeeded');
  expect(run.summary).toContain('a-holder');
  expect(run.summary).toContain('https://github.example/acme/app/actions/runs/4242');
  // The ref defaults to the commit the workflow runs for.
  const runs = readFileSync(log, 'utf8');
  expect(runs).toContain('"ref":"abc123def"');
});

test('a failed deployment: an annotation naming the failure, the step fails', async () => {
  const run = await runAction({
    environment: 'broken',
    'correlation-id': 'a-broken',
    'temporal-address': coordinator.cli.address,
  });
  expect(run.code).toBe(1);
  expect(run.outputs.status).toBe('failed');
  expect(run.stdout).toContain(
    '::error title=Deployment to broken failed (DeployCommandFailed)::deployment a-broken failed: ' +
      'deploy command exited with code 3',
  );
  expect(run.summary).toContain('DeployCommandFailed');
});

test('the API key is masked before anything is printed, and never printed otherwise', async () => {
  const key = 'sk-test-9f8e7d6c5b4a';
  const run = await runAction({
    environment: 'staging',
    'correlation-id': 'a-key',
    // Nothing listens there: the step fails saying where it tried, without the key.
    'temporal-address': '127.0.0.1:1',
    'temporal-api-key': key,
  });
  expect(run.code).toBe(1);
  // Once, in the mask command itself, which comes before any other line.
  expect(run.stdout.startsWith(`::add-mask::${key}`)).toBe(true);
  expect(run.stdout.split(key).length).toBe(2);
  expect(run.stdout).toMatch(/::error::cannot use Temporal at 127\.0\.0\.1:1/);
});

test('bad input fails the step naming the value, and requests nothing', async () => {
  const run = await runAction({
    environment: 'staging',
    'correlation-id': 'bad id!',
    'temporal-address': coordinator.cli.address,
  });
  expect(run.code).toBe(1);
  expect(run.stdout).toContain('::error::invalid correlation ID "bad id!"');
  await expect(coordinator.env.client.workflow.getHandle('deploy/staging/bad id!').describe()).rejects.toThrow(
    /not found/i,
  );
});

test('mode run: the command runs in the step when the turn comes, its output outside the group', async () => {
  const run = await runAction({
    environment: 'staging',
    'correlation-id': 'a-run',
    mode: 'run',
    run:
      'echo "deploying $STACK_NAME to $DEPLOY_ENVIRONMENT at $DEPLOY_REF" | tr a-z A-Z\n' +
      `node ${JSON.stringify(DEPLOY_STEP)} --log ${JSON.stringify(log)}`,
    'temporal-address': coordinator.cli.address,
  });
  expect(run.code).toBe(0);
  expect(run.outputs).toMatchObject({ status: 'succeeded', 'workflow-id': 'deploy/staging/a-run' });
  const groupEnd = run.stdout.indexOf('::endgroup::');
  const commandOutput = run.stdout.indexOf('DEPLOYING TESTSTACK TO STAGING AT ABC123DEF');
  expect(groupEnd).toBeGreaterThan(0);
  expect(commandOutput).toBeGreaterThan(groupEnd);
  expect(run.summary).toContain('Deployment a-run: succeeded');
  // The fixture ran as the runner's command, not the worker's: the worker's command would have been held.
  expect(readFileSync(log, 'utf8')).toContain('"correlationId":"a-run"');
});

test('mode run: a failing script fails the step with an annotation naming its exit', async () => {
  const run = await runAction({
    environment: 'staging',
    'correlation-id': 'a-run-fails',
    mode: 'run',
    run: 'echo preparing\nfalse\necho never printed',
    'temporal-address': coordinator.cli.address,
  });
  expect(run.code).toBe(1);
  expect(run.stdout).not.toMatch(/^never printed$/m);
  expect(run.stdout).toContain(
    '::error title=Deployment to staging failed (DeployCommandFailed)::deployment a-run-fails failed: ' +
      'the command on the runner exited with code 1 (last output: preparing)',
  );
});

test('mode run: the job cancelled (SIGINT) stops the command and cancels the deployment', async () => {
  holds.hold('a-run-cancelled');
  const action = startAction({
    environment: 'staging',
    'correlation-id': 'a-run-cancelled',
    mode: 'run',
    run: `node ${JSON.stringify(DEPLOY_STEP)} --log ${JSON.stringify(log)} --hold-dir ${JSON.stringify(holds.dir)}`,
    'temporal-address': coordinator.cli.address,
  });
  await waitForRun(log, 'a-run-cancelled');
  action.child.kill('SIGINT');
  const run = await action.result;
  expect(run.code).toBe(1);
  expect(run.stdout).toContain('::error::a-run-cancelled: SIGINT: stopped the command; the deployment ended cancelled');
  await waitForRun(log, 'a-run-cancelled', 'terminated');
  expect(await outcome(coordinator.env.client.workflow.getHandle('deploy/staging/a-run-cancelled'))).toMatchObject({
    status: 'cancelled',
  });
  holds.release('a-run-cancelled');
});

test.each([
  [{ mode: 'ship' }, 'invalid mode "ship": use deploy or run'],
  [{ mode: 'run' }, 'mode: run needs the run input'],
  [{ run: 'make deploy' }, 'the run input needs mode: run'],
  [{ mode: 'run', run: 'make deploy', detach: 'true' }, 'mode: run cannot detach'],
])('mode and run that do not fit (%j): the step fails saying why, nothing requested', async (inputs, says) => {
  const run = await runAction({
    environment: 'staging',
    'correlation-id': 'a-misfit',
    'temporal-address': coordinator.cli.address,
    ...inputs,
  });
  expect(run.code).toBe(1);
  expect(run.stdout).toContain(`::error::${says}`);
  await expect(coordinator.env.client.workflow.getHandle('deploy/staging/a-misfit').describe()).rejects.toThrow(
    /not found/i,
  );
});

test('promote-from deploys the ref that last succeeded upstream, with the evidence in the summary; else refused', async () => {
  const upstream = await coordinator.deploy({ environment: 'staging', correlationId: 'prom-up', ref: 'v-prom' });
  expect(await outcome(upstream)).toMatchObject({ status: 'succeeded' });
  const address = coordinator.cli.address;
  const run = await runAction({
    environment: 'production',
    'promote-from': 'staging',
    'correlation-id': 'prom-1',
    'temporal-address': address,
  });
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('production: promoting v-prom from staging (prom-up)');
  expect(run.outputs).toMatchObject({ status: 'succeeded' });
  expect(run.summary).toMatch(/Promoted from<\/td><td>staging \(prom-up\)/);
  expect(readFileSync(log, 'utf8')).toMatch(
    /"correlationId":"prom-1","environment":"production","stackName":"TestStack","ref":"v-prom"/,
  );

  const refused = await runAction({
    environment: 'production',
    'promote-from': 'staging',
    ref: 'never-staged',
    'correlation-id': 'prom-2',
    'temporal-address': address,
  });
  expect(refused.code).toBe(1);
  expect(refused.stdout).toContain('not promoted: never-staged has not succeeded in staging');
});
