// Metrics: with DEPLOY_METRICS_ADDRESS the worker serves Prometheus text at /metrics: the SDK's own metrics and the
// deployment metrics its workflows emit, each deployment counted once by environment and status.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { METRICS, servedName, stateQuery } from '../src/contract';
import { deployctl, writeConfig } from './helpers/cli';
import {
  environmentDocument,
  eventually,
  Holds,
  outcome,
  runLog,
  startDeployment,
  waitForRun,
} from './helpers/coordinator';
import { AwsGate } from './helpers/aws-gate';
import { awsEnvironment, MOTO_REGION, type Moto, startMoto } from './helpers/moto';
import { freePort } from './helpers/ports';
import { startServer } from './helpers/server';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process';

let env: TestWorkflowEnvironment;
let moto: Moto | undefined;
/** In front of moto: it keeps a stack update in progress for as long as a test asks (moto ends it at once). */
let gate: AwsGate | undefined;
let worker: WorkerProcess | undefined;
let metricsUrl = '';
const log = runLog();
const holds = new Holds();
const taskQueue = 'metrics';
/** A deployment of e fails while its marker is here. */
const failing = mkdtempSync(join(tmpdir(), 'deploy-failing-'));
const document = environmentDocument(log, {}, 300, holds);
let configPath = '';

beforeAll(async () => {
  [env, moto] = await Promise.all([startServer(), startMoto()]);
  gate = new AwsGate(moto.endpoint);
  const aws = await gate.start();
  configPath = writeConfig({
    e: { ...document, deploy: { ...document.deploy, command: [...document.deploy.command, '--fail-dir', failing] } },
    // A command that creates and executes a change set, watched on moto: a stall needs a stack update in progress.
    slow: {
      stackName: 'SlowStack',
      lockWaitTimeout: '1m',
      deploy: { type: 'command', command: ['node', join(__dirname, 'fixtures', 'deploy-change-set.js'), 'slow'] },
      cloudformation: { region: MOTO_REGION, endpoint: aws, pollInterval: '200ms', stallThreshold: '1s' },
    },
  });
  const address = `127.0.0.1:${await freePort()}`;
  metricsUrl = `http://${address}/metrics`;
  worker = await startWorkerProcess(configPath, {
    TEMPORAL_ADDRESS: env.address,
    DEPLOY_TASK_QUEUE: taskQueue,
    DEPLOY_METRICS_ADDRESS: address,
    ...awsEnvironment(aws),
  });
}, 60_000);
afterAll(async () => {
  await worker?.stop();
  await gate?.stop();
  await moto?.stop();
  await env?.teardown();
});

/** The samples of one metric: labels (without the SDK's own) and value. */
async function samples(name: string): Promise<Array<{ labels: Record<string, string>; value: number }>> {
  const text = await (await fetch(metricsUrl)).text();
  const found = [];
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = Object.fromEntries(
      [...match[2]!.matchAll(/(\w+)="([^"]*)"/g)]
        .map((label): [string, string] => [label[1]!, label[2]!])
        .filter(([key]) => !['namespace', 'task_queue', 'workflow_type'].includes(key)),
    );
    found.push({ labels, value: Number(match[3]) });
  }
  return found;
}

test('a succeeded and a failed deployment in e: counted by status, with queue wait and duration samples', async () => {
  const target = { address: env.address, taskQueue, configPath };
  expect((await deployctl(['deploy', '--env', 'e', '--correlation-id', 'm-ok'], target)).code).toBe(0);
  writeFileSync(join(failing, 'm-failed'), '');
  expect((await deployctl(['deploy', '--env', 'e', '--correlation-id', 'm-failed'], target)).code).toBe(1);

  const finished = await samples('deployments_finished_total');
  expect(finished).toEqual(
    expect.arrayContaining([
      { labels: { environment: 'e', status: 'succeeded' }, value: 1 },
      { labels: { environment: 'e', status: 'failed' }, value: 1 },
    ]),
  );
  expect(finished).toHaveLength(2);
  const durations = await samples('deployment_duration_seconds_count');
  expect(durations).toEqual([{ labels: { environment: 'e' }, value: 2 }]);
  const sum = (await samples('deployment_duration_seconds_sum')).find((s) => s.labels.environment === 'e')!;
  expect(sum.value).toBeGreaterThan(0.3);
  expect(await samples('deployment_queue_wait_seconds_count')).toEqual([{ labels: { environment: 'e' }, value: 2 }]);
  // Buckets sized for deployments (seconds to hours), not the SDK's milliseconds.
  const buckets = (await (await fetch(metricsUrl)).text()).match(
    /^deployment_duration_seconds_bucket\{[^}]*le="(\d+)"/gm,
  );
  expect(buckets?.map((line) => line.replace(/.*le="/, '').replace('"', ''))).toContain('3600');
  // The lock's gauges: nobody waits, nobody holds.
  expect(await samples('deployment_queue_depth')).toEqual(
    expect.arrayContaining([{ labels: { environment: 'e' }, value: 0 }]),
  );
  expect(await samples('deployment_lock_held_since_seconds')).toEqual(
    expect.arrayContaining([{ labels: { environment: 'e' }, value: 0 }]),
  );
  // Every metric the shipped dashboard and alerts read exists: ours by name (stalls and undelivered notices appear
  // with the first one), the SDK's in this scrape (but its counter of workflow task failures, which must never come).
  const served = new Set(
    [...(await (await fetch(metricsUrl)).text()).matchAll(/^# TYPE (\S+)/gm)].map((match) => match[1]!),
  );
  const monitoring = ['grafana-dashboard.json', 'alerts.yml'].map((file) =>
    readFileSync(join(__dirname, '..', 'examples', 'monitoring', file), 'utf8'),
  );
  const read = new Set(
    monitoring.flatMap((text) => [...text.matchAll(/\b(?:deployments?|temporal)_[a-z_]+/g)].map((m) => m[0])),
  );
  const ours = Object.values(METRICS).map(servedName);
  const unknown = [...read]
    .map((name) => name.replace(/_(bucket|count|sum)$/, ''))
    .filter((name) => (name.startsWith('temporal_') ? !served.has(name) : !ours.includes(name)))
    .filter((name) => name !== 'temporal_workflow_task_execution_failed_total');
  expect(unknown).toEqual([]);
  expect(read.size).toBeGreaterThan(8);
  // The SDK's own, under its prefix.
  expect((await samples('temporal_workflow_completed_total')).length).toBeGreaterThan(0);
  expect((await samples('temporal_activity_execution_latency_count')).length).toBeGreaterThan(0);
});

test('while a deployment holds e and another waits: the queue depth and when the holder was granted', async () => {
  holds.hold('m-held');
  const held = await startDeployment(env, taskQueue, { environment: 'e', correlationId: 'm-held' });
  const started = await waitForRun(log, 'm-held');
  const waiting = await startDeployment(env, taskQueue, { environment: 'e', correlationId: 'm-waiting' });
  const depth = async () => (await samples('deployment_queue_depth')).find((s) => s.labels.environment === 'e')?.value;
  for (let i = 0; i < 50 && (await depth()) !== 1; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await depth()).toBe(1);
  const since = (await samples('deployment_lock_held_since_seconds')).find((s) => s.labels.environment === 'e')!;
  expect(Math.abs(since.value - started.at / 1000)).toBeLessThan(5);
  holds.release('m-held');
  expect(await outcome(held)).toMatchObject({ status: 'succeeded' });
  expect(await outcome(waiting)).toMatchObject({ status: 'succeeded' });
});

test('a stack update quiet past the stall threshold: counted as a stall of its environment', async () => {
  gate!.stretchNextExecution(3000);
  const target = { address: env.address, taskQueue, configPath };
  expect((await deployctl(['deploy', '--env', 'slow', '--correlation-id', 'm-stalled'], target)).code).toBe(0);
  // (One stall notice, and one count, per threshold of quiet: 1 s here, in a 3 s update.)
  const stalls = await samples('deployment_stalls_total');
  expect(stalls).toEqual([{ labels: { environment: 'slow' }, value: expect.any(Number) }]);
  expect(stalls[0]!.value).toBeGreaterThanOrEqual(1);
});

/** Prometheus's own checks (tools/promcheck, built by scripts/ensure-promcheck.sh): the problems found, '' if none. */
function promcheck(args: string[], input?: string): string {
  const run = spawnSync(join(__dirname, '..', '.tools', 'bin', 'promcheck'), args, { input, encoding: 'utf8' });
  if (run.error) throw run.error;
  const said = `${run.stdout}${run.stderr}`.trim();
  return run.status ? `${said} (exit ${run.status})` : said;
}

test('after a success, a failure and a stall the scrape follows Prometheus conventions (promlint, as promtool runs it); the example alerts parse as rules', async () => {
  // A freeze set and lifted by hand adds its counter and the environment's open gauge to what the tests above left.
  const target = { address: env.address, taskQueue, configPath };
  expect((await deployctl(['freeze', '--env', 'e', '--reason', 'lint', '--by', 'ana'], target)).code).toBe(0);
  expect((await deployctl(['unfreeze', '--env', 'e', '--reason', 'lint', '--by', 'ana'], target)).code).toBe(0);
  const scrape = await eventually(async () => {
    const text = await (await fetch(metricsUrl)).text();
    return /^deployment_freeze_changes_total\{/m.test(text) ? text : undefined;
  });
  expect(scrape).toMatch(/^deployments_finished_total\{/m);
  expect(promcheck(['metrics'], scrape)).toBe('');
  // Its labels have one spelling each: the SDK's.
  expect(scrape).not.toMatch(/[{,](taskQueue|workflowType)=/);
  expect(promcheck(['rules', join(__dirname, '..', 'examples', 'monitoring', 'alerts.yml')])).toBe('');
});

test('never counted on replay: a new worker replaying the closed deployments counts none of them', async () => {
  await worker!.stop();
  const address = new URL(metricsUrl).host;
  worker = await startWorkerProcess(configPath, {
    TEMPORAL_ADDRESS: env.address,
    DEPLOY_TASK_QUEUE: taskQueue,
    DEPLOY_METRICS_ADDRESS: address,
  });
  // A query of a closed workflow is answered by replaying its whole history on this worker.
  for (const id of ['m-ok', 'm-failed', 'm-held']) {
    const state = await env.client.workflow.getHandle(`deploy/e/${id}`).query(stateQuery);
    expect(['succeeded', 'failed']).toContain(state.status);
  }
  expect(await samples('deployments_finished_total')).toEqual([]);
  expect(await samples('deployment_duration_seconds_count')).toEqual([]);
});
