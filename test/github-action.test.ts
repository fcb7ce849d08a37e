// The GitHub Action's bundle run as GitHub runs it: `node action.js` alone in a directory without node_modules,
// inputs as INPUT_* variables, outputs and the job summary in the files GitHub names, annotations on stdout.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environmentDocument, eventually, Holds, runLog, useCoordinator, waitForRun } from './helpers/coordinator';

const log = runLog();
const holds = new Holds();
const coordinator = useCoordinator({
  staging: environmentDocument(log, {}, 100, holds),
  broken: environmentDocument(log, { deploy: { type: 'command', command: ['node', '-e', 'process.exit(3)'] } }),
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
): { output: () => string; result: Promise<ActionRun> } {
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
  return { output: () => stdout, result };
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
  expect(await holder.result()).toMatchObject({ status: 'succeeded' });

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
  expect(run.stdout).toMatch(
    /::error title=Deployment to broken failed \(DeployCommandFailed\)::deployment a-broken failed: deploy command exited with code 3/,
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
