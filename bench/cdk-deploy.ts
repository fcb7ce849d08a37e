// What the coordinator adds to a CDK deployment: the fixture app deployed through a deployment workflow (cdk
// deployer: prepare with the CDK CLI, execute, watch) and by `cdk deploy` run directly, alternately, against moto.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { CDK_CLI, CDK_QUIET_ENV } from '../src/cdk/cdk-cli';
import { deploymentWorkflowId } from '../src/contract/names';
import type { DeploymentResult } from '../src/contract';
import { startWorkerProcess, type WorkerProcess } from '../test/helpers/worker-process';
import { median } from './stats';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const MOTO = join(ROOT, 'test', 'helpers', 'moto-server.py');
const APP = join(ROOT, 'test', 'fixtures', 'cdk-app', 'app.js');
const QUIET = { ...CDK_QUIET_ENV, AWS_EC2_METADATA_DISABLED: 'true' };

export interface CdkDeployResult {
  rounds: number;
  /** Wall time of each update, milliseconds. */
  coordinator: number[];
  direct: number[];
  coordinatorNoChanges: number[];
  directNoChanges: number[];
}

export const motoAvailable = () => existsSync(PYTHON);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function synth(stackName: string, version: string): Promise<string> {
  const out = join(mkdtempSync(join(tmpdir(), 'bench-assembly-')), 'cdk.out');
  await run(process.execPath, [APP], {
    env: { ...process.env, CDK_OUTDIR: out, APP_STACK_NAME: stackName, APP_VERSION: version },
  });
  return out;
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

export async function measureCdkDeploy(env: TestWorkflowEnvironment, rounds: number): Promise<CdkDeployResult> {
  const port = await freePort();
  const moto: ChildProcess = spawn(PYTHON, [MOTO, '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const aws = {
    ...QUIET,
    AWS_ENDPOINT_URL: `http://localhost:${port}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  };
  let worker: WorkerProcess | undefined;
  try {
    for (let up = false; !up;) {
      up = await fetch(`http://127.0.0.1:${port}/moto-api/`).then(
        (r) => r.ok,
        () => false,
      );
      if (!up) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const cdk = (...args: string[]) =>
      run(process.execPath, [CDK_CLI, ...args, '--no-notices', '--ci'], { env: { ...process.env, ...aws } });
    await cdk('bootstrap', 'aws://123456789012/us-east-1');
    const [viaV1, viaV2, directV1, directV2] = await Promise.all([
      synth('BenchViaCoordinator', 'v1'),
      synth('BenchViaCoordinator', 'v2'),
      synth('BenchDirect', 'v1'),
      synth('BenchDirect', 'v2'),
    ]);
    const configPath = join(tmpdir(), `bench-cdk-${process.pid}.json`);
    writeFileSync(
      configPath,
      JSON.stringify({
        environments: {
          bench: { stackName: 'BenchViaCoordinator', deploy: { type: 'cdk' }, cloudformation: { pollInterval: '1s' } },
        },
      }),
    );
    const taskQueue = 'bench-cdk';
    worker = await startWorkerProcess(configPath, {
      ...aws,
      TEMPORAL_ADDRESS: env.address,
      DEPLOY_TASK_QUEUE: taskQueue,
      LOG_LEVEL: 'warn',
    });
    let n = 0;
    const viaCoordinator = (assembly: string) =>
      timed(async () => {
        const correlationId = `bench-${++n}`;
        const handle = await env.client.workflow.start('deployment', {
          taskQueue,
          workflowId: deploymentWorkflowId('bench', correlationId),
          args: [{ environment: 'bench', correlationId, priority: 'normal', assembly }],
        });
        const result = (await handle.result()) as DeploymentResult;
        if (result.status !== 'succeeded') throw new Error(`${correlationId}: ${result.error}`);
      });
    const direct = (assembly: string) =>
      timed(() =>
        cdk(
          'deploy',
          '--app',
          assembly,
          '--method=change-set',
          '--require-approval=never',
          '--exclusively',
          'Inventory',
        ),
      );

    // Create both stacks first: creates are not what is compared.
    await viaCoordinator(viaV1);
    await direct(directV1);
    const result: CdkDeployResult = {
      rounds,
      coordinator: [],
      direct: [],
      coordinatorNoChanges: [],
      directNoChanges: [],
    };
    for (let round = 0; round < rounds; round++) {
      const [via, plain] = round % 2 === 0 ? [viaV2, directV2] : [viaV1, directV1];
      result.coordinator.push(await viaCoordinator(via));
      result.direct.push(await direct(plain));
      result.coordinatorNoChanges.push(await viaCoordinator(via));
      result.directNoChanges.push(await direct(plain));
    }
    return result;
  } finally {
    await worker?.stop('SIGTERM');
    moto.kill('SIGTERM');
  }
}

export function cdkReport(result: CdkDeployResult): string {
  const s = (values: number[]) => `${(median(values) / 1000).toFixed(2)} s`;
  const ratio = (a: number[], b: number[]) => `${(median(a) / median(b)).toFixed(2)}×`;
  const row = (label: string, coordinator: number[], direct: number[]) =>
    `| ${label} | ${s(coordinator)} | ${s(direct)} | ${ratio(coordinator, direct)} |`;
  return `## CDK deployments
The fixture app (\`test/fixtures/cdk-app\`: a bucket, a file asset, an SSM parameter) against moto on this
machine, ${result.rounds} rounds. Each round updates the stack (v1 ↔ v2), then deploys the same version again (no
changes): once through a deployment workflow (\`cdk\` deployer: queue, preflight, prepare with the CDK CLI, execute,
watch with a 1 s poll interval, notices to the log) and once by \`cdk deploy --method=change-set\` run directly.
Wall time from request to outcome, medians.

| | through the coordinator | \`cdk deploy\` directly | ratio |
|---|---|---|---|
${row('update', result.coordinator, result.direct)}
${row('no changes', result.coordinatorNoChanges, result.directNoChanges)}

moto finishes an update at once, so this is the fixed cost around a deployment; against AWS the update itself
(minutes) dominates both.
`;
}
