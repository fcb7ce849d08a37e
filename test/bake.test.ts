// A bake on CloudWatch alarms (moto's CloudWatch through the real AWS SDK): a deployment keeps the environment's turn
// for the bake's duration after its deploy step; an alarm then fails it (BakeAlarm) and freezes the environment, so
// that the next one waits for a person; an alarm already in ALARM when the turn comes holds the deployment back.
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployctl } from './helpers/cli';
import {
  DEPLOY_STEP,
  environmentDocument,
  eventually,
  outcome,
  readRuns,
  runLog,
  useCoordinator,
  waitForRun,
} from './helpers/coordinator';
import { awsEnvironment, MOTO_CREDENTIALS, MOTO_REGION, type Moto, startMoto } from './helpers/moto';
import { allWorkflowIds, replayFailures } from './helpers/replay';
import { stateQuery } from '../src/contract';

const ACCOUNT = '123456789012';
const arn = (name: string) => `arn:aws:cloudwatch:${MOTO_REGION}:${ACCOUNT}:alarm:${name}`;
const BAKE_MS = 4000;
const log = runLog();
/** A deployment whose correlation ID is a file here fails its deploy step. */
const failDir = mkdtempSync(join(tmpdir(), 'bake-fail-'));
let moto: Moto | undefined;
let cloudWatch: CloudWatchClient;
const saved = { ...process.env };

beforeAll(async () => {
  moto = await startMoto();
  // The worker's environment, as on a real worker host: the SDK reads the endpoint and credentials from it.
  Object.assign(process.env, {
    ...awsEnvironment(moto.endpoint),
  });
  cloudWatch = new CloudWatchClient({ region: MOTO_REGION, endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS });
  for (const name of ['api-5xx', 'latency', 'orders-5xx']) {
    await cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: 'Shop',
        MetricName: name,
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    await setAlarm(name, 'OK', 'healthy');
  }
});
afterAll(async () => {
  process.env = saved;
  await moto?.stop();
});

function setAlarm(name: string, state: StateValue, reason: string) {
  return cloudWatch.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reason }));
}

const bake = { duration: `${BAKE_MS}ms`, pollInterval: '300ms', alarms: [arn('api-5xx'), arn('latency')] };
const coordinator = useCoordinator({
  baked: environmentDocument(log, { bake }),
  alarmed: environmentDocument(log, { bake }),
  rolling: environmentDocument(log, {
    bake: { ...bake, alarms: [arn('orders-5xx')], onAlarm: 'rollback' },
    deploy: { type: 'command', command: ['node', DEPLOY_STEP, '--log', log, '--sleep', '100', '--fail-dir', failDir] },
  }),
});
const started = (id: string) => readRuns(log).find((run) => run.correlationId === id && run.event === 'start');
const stateOf = (environment: string, id: string) =>
  coordinator.env.client.workflow.getHandle(`deploy/${environment}/${id}`).query(stateQuery);

test('a clean bake: the deployment keeps the turn for the bake, then succeeds; the next starts only after', async () => {
  const first = await coordinator.deploy({ environment: 'baked', correlationId: 'bake-1' });
  await waitForRun(log, 'bake-1');
  const second = await coordinator.deploy({ environment: 'baked', correlationId: 'bake-2' });
  expect(await outcome(first)).toMatchObject({ status: 'succeeded' });
  const { bake: baked } = await first.query(stateQuery);
  expect(baked).toMatchObject({ passed: true });
  expect(baked!.until - baked!.startedAt).toBe(BAKE_MS);
  expect(await outcome(second)).toMatchObject({ status: 'succeeded' });
  // Nobody deployed during the bake.
  expect(started('bake-2')!.at).toBeGreaterThanOrEqual(baked!.until);
  const status = await deployctl(['status', 'bake-1', '--env', 'baked'], coordinator.cli);
  expect(status.stdout).toMatch(/bake: +passed \(4s, no alarm\)/);
}, 60_000);

test('an alarm during the bake: failed with BakeAlarm naming it, the environment frozen, the next one waits', async () => {
  const baking = await coordinator.deploy({ environment: 'alarmed', correlationId: 'bad-1' });
  await eventually(async () => (await baking.query(stateQuery)).bake);
  const next = await coordinator.deploy({ environment: 'alarmed', correlationId: 'bad-2' });
  await setAlarm('latency', 'ALARM', 'p99 above 2 s for 1 minute');

  const result = await outcome(baking);
  expect(result).toMatchObject({ status: 'failed', errorType: 'BakeAlarm' });
  expect(result.error).toBe('bake failed: alarm latency is in ALARM: p99 above 2 s for 1 minute');
  const view = await coordinator.queueWhen('alarmed', (queue) => queue.holder === null && queue.waiting.length === 1);
  expect(view.closure).toMatchObject({
    kind: 'frozen-by-hand',
    by: 'deployment-coordinator',
    reason: expect.stringContaining('bake of bad-1: alarm latency is in ALARM'),
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(started('bad-2')).toBeUndefined();
  const status = await deployctl(['status', 'bad-1', '--env', 'alarmed'], coordinator.cli);
  expect(status.stdout).toMatch(/bake: +failed: alarm latency went to ALARM: p99 above 2 s/);

  await setAlarm('latency', 'OK', 'recovered');
  expect((await deployctl(['unfreeze', '--env', 'alarmed', '--reason', 'fixed'], coordinator.cli)).code).toBe(0);
  expect(await outcome(next)).toMatchObject({ status: 'succeeded' });
}, 60_000);

test('an alarm in ALARM when the turn comes holds the deployment back, or past its wait timeout ends it', async () => {
  await setAlarm('api-5xx', 'ALARM', '5xx above 1%');
  const gaveUp = await coordinator.deploy({ environment: 'baked', correlationId: 'held-0', waitTimeoutMs: 2000 });
  expect(await outcome(gaveUp)).toMatchObject({
    status: 'timed-out',
    error: 'gave up waiting for environment baked after 2s: its alarm api-5xx is in ALARM: 5xx above 1%',
  });
  expect(started('held-0')).toBeUndefined();

  const held = await coordinator.deploy({ environment: 'baked', correlationId: 'held-1' });
  await eventually(async () => (await stateOf('baked', 'held-1')).heldByAlarm);
  const status = await deployctl(['status', 'held-1', '--env', 'baked'], coordinator.cli);
  expect(status.stdout).toMatch(/held back: +alarm api-5xx is in ALARM: 5xx above 1%/);
  expect(started('held-1')).toBeUndefined();
  await setAlarm('api-5xx', 'OK', 'recovered');
  expect(await outcome(held)).toMatchObject({ status: 'succeeded' });
  expect((await held.query(stateQuery)).heldByAlarm).toBeUndefined();
}, 60_000);

test('onAlarm rollback: the last good deployment goes again first; its own alarm freezes, no second rollback', async () => {
  const deploy = (correlationId: string, ref: string) =>
    coordinator.deploy({ environment: 'rolling', correlationId, ref });
  expect(await outcome(await deploy('r1', 'v1'))).toMatchObject({ status: 'succeeded' });
  const bad = await deploy('r2', 'v2');
  await eventually(async () => (await bad.query(stateQuery)).bake);
  const waiting = await deploy('r3', 'v3');
  await coordinator.queueWhen('rolling', (queue) => queue.waiting.length === 1);
  await setAlarm('orders-5xx', 'ALARM', 'orders failing');
  expect(await outcome(bad)).toMatchObject({
    status: 'failed',
    errorType: 'BakeAlarm',
    error: 'bake failed: alarm orders-5xx is in ALARM: orders failing; rolling back to r1 (rollback-r2)',
  });
  await setAlarm('orders-5xx', 'OK', 'recovered');
  const rollback = coordinator.env.client.workflow.getHandle('deploy/rolling/rollback-r2');
  expect(await outcome(rollback as never)).toMatchObject({ status: 'succeeded', rollbackOf: 'r1' });
  expect((await rollback.query(stateQuery)).rollback).toMatchObject({
    correlationId: 'r1',
    afterBakeAlarm: 'orders-5xx',
  });
  // The previous good ref, ahead of the request that waited.
  expect(started('rollback-r2')!.ref).toBe('v1');
  expect(await outcome(waiting)).toMatchObject({ status: 'succeeded' });
  expect(started('rollback-r2')!.at).toBeLessThan(started('r3')!.at);

  // A rollback that alarms in its own bake freezes the environment: a person takes it from there.
  const worse = await deploy('r4', 'v4');
  await eventually(async () => (await worse.query(stateQuery)).bake);
  await setAlarm('orders-5xx', 'ALARM', 'still failing');
  expect(await outcome(worse)).toMatchObject({ status: 'failed', errorType: 'BakeAlarm' });
  const second = coordinator.env.client.workflow.getHandle('deploy/rolling/rollback-r4');
  expect(await outcome(second as never)).toMatchObject({ status: 'failed', errorType: 'BakeAlarm', rollbackOf: 'r3' });
  const view = await coordinator.queueWhen('rolling', (queue) => queue.holder === null);
  expect(view.closure).toMatchObject({
    kind: 'frozen-by-hand',
    reason: expect.stringContaining('during a rollback: no second one'),
  });
  await expect(
    coordinator.env.client.workflow.getHandle('deploy/rolling/rollback-rollback-r4').describe(),
  ).rejects.toThrow(/not found/i);
  await setAlarm('orders-5xx', 'OK', 'recovered');
  expect((await deployctl(['unfreeze', '--env', 'rolling', '--reason', 'fixed'], coordinator.cli)).code).toBe(0);

  // So does a rollback whose deploy step fails.
  writeFileSync(join(failDir, 'rollback-r5'), '');
  const fifth = await deploy('r5', 'v5');
  await eventually(async () => (await fifth.query(stateQuery)).bake);
  await setAlarm('orders-5xx', 'ALARM', 'failing again');
  expect(await outcome(fifth)).toMatchObject({ status: 'failed', errorType: 'BakeAlarm' });
  await setAlarm('orders-5xx', 'OK', 'recovered');
  const third = coordinator.env.client.workflow.getHandle('deploy/rolling/rollback-r5');
  expect(await outcome(third as never)).toMatchObject({ status: 'failed', rollbackOf: 'r3' });
  const frozen = await coordinator.queueWhen('rolling', (queue) => queue.holder === null && queue.closure !== null);
  expect(frozen.closure).toMatchObject({
    kind: 'frozen-by-hand',
    reason: expect.stringMatching(/^rollback rollback-r5 after alarm orders-5xx failed: /),
  });
  expect((await deployctl(['unfreeze', '--env', 'rolling', '--reason', 'fixed'], coordinator.cli)).code).toBe(0);
}, 120_000);

test('every history of this file replays', async () => {
  const ids = await allWorkflowIds(coordinator.env.client);
  expect(ids.length).toBeGreaterThanOrEqual(7);
  expect(await replayFailures(coordinator.env.client, ids)).toEqual([]);
});
