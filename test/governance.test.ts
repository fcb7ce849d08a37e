// What may reach an environment, on a worker process: promotion from staging with a soak time, approvals that never
// hold the lock, and rollback to what succeeded before. Refusals have their own exit codes and deploy nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { deployctl, startDeployctl, writeConfig } from './helpers/cli';
import {
  environmentDocument,
  Holds,
  outcome,
  queueWhen,
  readRuns,
  runIntervals,
  runLog,
  startDeployment,
  waitForRun,
} from './helpers/coordinator';
import { startServer } from './helpers/server';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process';
import type { DeploymentInput, DeploymentState, HistoryEntry } from '../src/contract';
import { allWorkflowIds, replayFailures } from './helpers/replay';
import { signalLock } from '../src/activities/lock';
import { requestTurnSignal } from '../src/contract';

const log = runLog();
const holds = new Holds();
const failing = mkdtempSync(join(tmpdir(), 'deploy-failing-'));
const env = (overrides: Record<string, unknown> = {}) => environmentDocument(log, overrides, 100, holds);
const taskQueue = 'governance';
const staging = env();
const configPath = writeConfig({
  staging: { ...staging, deploy: { ...staging.deploy, command: [...staging.deploy.command, '--fail-dir', failing] } },
  production: env({ promotion: { from: 'staging', soak: '10s', maxAge: '1h' } }),
  fresh: env({ promotion: { from: ['staging'], maxAge: '3s' } }),
  guarded: env({ approvals: { required: 1, approvers: ['bo', 'cy'], expires: '1h' } }),
  expiring: env({ approvals: { expires: '3s' } }),
  rolling: env(),
});
let server: TestWorkflowEnvironment;
let worker: WorkerProcess | undefined;
beforeAll(async () => {
  server = await startServer();
  worker = await startWorkerProcess(configPath, { TEMPORAL_ADDRESS: server.address, DEPLOY_TASK_QUEUE: taskQueue });
});
afterAll(async () => {
  await worker?.stop();
  await server?.teardown();
  rmSync(failing, { recursive: true, force: true });
});
const target = () => ({ address: server.address, taskQueue, configPath });
const cli = (...args: string[]) => deployctl(args, target(), { GITHUB_ACTOR: 'ana' });
const deploy = (input: Partial<DeploymentInput> & { environment: string; correlationId: string }) =>
  startDeployment(server, taskQueue, { requestedBy: 'ana', ...input });
const started = (id: string) => readRuns(log).find((run) => run.correlationId === id && run.event === 'start');
const history = async (environment: string) =>
  JSON.parse((await cli('history', '--env', environment, '--json')).stdout) as HistoryEntry[];

describe('promotion', () => {
  test('production takes a ref only after it succeeded in staging and soaked there, recording the evidence', async () => {
    const early = await cli('deploy', '--env', 'production', '--correlation-id', 'p-early', '--ref', 'r1');
    expect(early.code).toBe(5);
    expect(early.stdout).toContain('p-early refused: not promoted: r1 has not succeeded in staging; staging has had');
    expect(started('p-early')).toBeUndefined();

    expect(await cli('deploy', '--env', 'staging', '--correlation-id', 's-r1', '--ref', 'r1')).toMatchObject({
      code: 0,
    });
    const stagedAt = Date.now();
    // Soaking for 10 s outlasts a 2 s wait timeout: refused at once, nothing queued.
    const impatient = await cli(
      'deploy',
      '--env',
      'production',
      '--correlation-id',
      'p-impatient',
      '--ref',
      'r1',
      '--wait-timeout',
      '2s',
    );
    expect(impatient.code).toBe(5);
    expect(impatient.stdout).toMatch(/p-impatient refused: r1 soaks upstream until .*; the wait timeout \(2s\) would/);

    // promote picks the ref that last succeeded in staging; it waits out the soak in the queue.
    const promoting = startDeployctl(
      ['promote', '--from', 'staging', '--to', 'production', '--correlation-id', 'p-r1', '--json'],
      target(),
      { GITHUB_ACTOR: 'ana' },
    );
    const view = await queueWhen(server, 'production', (queue) => queue.waiting.length === 1);
    expect(view.waiting[0]!.waitingFor?.[0]).toMatch(/^soak until /);
    const promoted = await promoting.result;
    expect(promoted.stderr).toContain('production: promoting r1 from staging (s-r1)');
    expect(promoted.code).toBe(0);
    const result = JSON.parse(promoted.stdout);
    expect(result).toMatchObject({
      status: 'succeeded',
      promotedFrom: [{ environment: 'staging', correlationId: 's-r1', ref: 'r1' }],
    });
    expect(started('p-r1')!.at).toBeGreaterThanOrEqual(stagedAt + 9_000);
    expect(started('p-r1')!.ref).toBe('r1');
    const status = await cli('status', 'p-r1', '--env', 'production');
    expect(status.stdout).toMatch(/promotion: {3}promoted from staging \(s-r1, succeeded \d+s ago\)/);
    const entry = (await history('production')).find((line) => line.correlationId === 'p-r1');
    expect(entry?.promotedFrom?.[0]).toMatchObject({ environment: 'staging', correlationId: 's-r1' });
    expect(['p-early', 'p-impatient'].map(started)).toEqual([undefined, undefined]);
  }, 90_000);

  test('a ref that failed in staging after it succeeded there is refused; so is one older than maxAge', async () => {
    expect(await cli('deploy', '--env', 'staging', '--correlation-id', 's-r2', '--ref', 'r2')).toMatchObject({
      code: 0,
    });
    writeFileSync(join(failing, 's-r2-again'), '');
    expect(await cli('deploy', '--env', 'staging', '--correlation-id', 's-r2-again', '--ref', 'r2')).toMatchObject({
      code: 1,
    });
    const refused = await cli('deploy', '--env', 'production', '--correlation-id', 'p-r2', '--ref', 'r2');
    expect(refused.code).toBe(5);
    expect(refused.stdout).toMatch(/r2 failed in staging \(s-r2-again, \d+(ms|s) ago\) after it succeeded there/);

    expect(await cli('deploy', '--env', 'staging', '--correlation-id', 's-r3', '--ref', 'r3')).toMatchObject({
      code: 0,
    });
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const stale = await cli('deploy', '--env', 'fresh', '--correlation-id', 'f-r3', '--ref', 'r3', '--json');
    expect(stale.code).toBe(5);
    expect(JSON.parse(stale.stdout)).toMatchObject({ status: 'refused', errorType: 'NotPromoted' });
    expect(JSON.parse(stale.stdout).error).toMatch(
      /r3 succeeded in staging \d+s ago \(s-r3\), longer ago than its maxAge of 3s/,
    );
    expect(['p-r2', 'f-r3'].map(started)).toEqual([undefined, undefined]);
    // (Five deployctl runs in a row: 10 s standalone, over 60 s beside the chaos test on two cores.)
  }, 150_000);
});

describe('approvals', () => {
  test('an unapproved deployment keeps its place while an approved one behind it deploys; it deploys once approved', async () => {
    holds.hold('g0');
    const g0 = await deploy({ environment: 'guarded', correlationId: 'g0' });
    const g0Approved = await cli('approve', 'g0', '--env', 'guarded', '--by', 'bo', '--comment', 'looks good');
    expect(g0Approved).toMatchObject({ code: 0 });
    expect(g0Approved.stderr).toContain('g0: approved by bo (1/1); may take its turn');
    await waitForRun(log, 'g0');
    const g1 = await deploy({ environment: 'guarded', correlationId: 'g1' });
    await queueWhen(server, 'guarded', (queue) => queue.waiting.length === 1);
    const g2 = await deploy({ environment: 'guarded', correlationId: 'g2' });
    await queueWhen(server, 'guarded', (queue) => queue.waiting.length === 2);

    // Who may not approve: the requester, and anyone not listed. Nothing is recorded.
    const self = await cli('approve', 'g1', '--env', 'guarded', '--by', 'ana');
    expect(self.code).toBe(64);
    expect(self.stderr).toContain('ana requested this deployment and guarded does not allow self-approval');
    const stranger = await cli('approve', 'g1', '--env', 'guarded', '--by', 'zed');
    expect(stranger.code).toBe(64);
    expect(stranger.stderr).toContain('zed is not an approver of guarded (approvers: bo, cy)');
    expect((await g1.query<DeploymentState>('state')).approval?.approvals).toEqual([]);

    expect(await cli('approve', 'g2', '--env', 'guarded', '--by', 'cy')).toMatchObject({ code: 0 });
    const queue = await cli('queue', '--env', 'guarded');
    expect(queue.stdout).toMatch(/1\. g1 \(TestStack, ETA .*; waiting for approval \(0\/1\)\)/);
    holds.release('g0');
    expect(await outcome(g2)).toMatchObject({ status: 'succeeded', approvedBy: ['cy'] });
    expect(started('g1')).toBeUndefined();
    const status = await cli('status', 'g1', '--env', 'guarded');
    expect(status.stdout).toContain('needs:       approval (0/1): 1 more (of bo, cy)');
    expect(status.stdout).toContain('approve:     deployctl approve --env guarded g1');

    expect(await cli('approve', 'g1', '--env', 'guarded', '--by', 'bo')).toMatchObject({ code: 0 });
    expect(await outcome(g1)).toMatchObject({ status: 'succeeded', approvedBy: ['bo'] });
    expect(await outcome(g0)).toMatchObject({ status: 'succeeded' });
    const order = runIntervals(log).filter((run) => run.correlationId.startsWith('g'));
    expect(order.map((run) => run.correlationId)).toEqual(['g0', 'g2', 'g1']);
    for (let i = 1; i < order.length; i += 1) expect(order[i]!.start).toBeGreaterThanOrEqual(order[i - 1]!.end!);
    // An ended deployment takes no approval.
    const late = await cli('approve', 'g1', '--env', 'guarded', '--by', 'cy');
    expect(late.code).toBe(64);
    expect(late.stderr).toMatch(/g1: refused: .*ended/);
  }, 120_000);

  test('reject ends a waiting deployment rejected, and deployctl following it exits 6', async () => {
    const following = startDeployctl(['deploy', '--env', 'guarded', '--correlation-id', 'g-no'], target(), {
      GITHUB_ACTOR: 'ana',
    });
    await queueWhen(server, 'guarded', (queue) => queue.waiting.some((entry) => entry.correlationId === 'g-no'));
    const rejected = await cli('reject', 'g-no', '--env', 'guarded', '--by', 'bo', '--reason', 'not before the demo');
    expect(rejected).toMatchObject({ code: 0 });
    const result = await following.result;
    expect(result.code).toBe(6);
    expect(result.stdout).toContain('g-no rejected by bo: not before the demo');
    expect(started('g-no')).toBeUndefined();
    const entry = (await history('guarded')).find((line) => line.correlationId === 'g-no');
    expect(entry).toMatchObject({ status: 'rejected', stoppedBy: 'bo' });
  }, 30_000);

  test('an approval that expires before the turn is void: it waits for a new one', async () => {
    holds.hold('e0');
    const e0 = await deploy({ environment: 'expiring', correlationId: 'e0' });
    expect(await cli('approve', 'e0', '--env', 'expiring', '--by', 'bo')).toMatchObject({ code: 0 });
    await waitForRun(log, 'e0');
    const e1 = await deploy({ environment: 'expiring', correlationId: 'e1' });
    await queueWhen(server, 'expiring', (queue) => queue.waiting.length === 1);
    expect(await cli('approve', 'e1', '--env', 'expiring', '--by', 'bo')).toMatchObject({ code: 0 });
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    holds.release('e0');
    expect(await outcome(e0)).toMatchObject({ status: 'succeeded' });
    const view = await queueWhen(server, 'expiring', (queue) => queue.holder === null);
    expect(view.waiting[0]).toMatchObject({ correlationId: 'e1', waitingFor: ['approval (0/1)'] });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(started('e1')).toBeUndefined();

    expect(await cli('approve', 'e1', '--env', 'expiring', '--by', 'bo')).toMatchObject({ code: 0 });
    expect(await outcome(e1)).toMatchObject({ status: 'succeeded' });
  }, 30_000);

  test('a request queued by a workflow task lost with its worker leaves the queue when the deployment ends early', async () => {
    // What the lost task's local activity did before its worker died: the request is in the queue, waiting for an
    // approval that will never come, while the next attempt of the task is refused before it asks for the turn.
    await signalLock(server.client, taskQueue, 'guarded', requestTurnSignal, {
      workflowId: 'deploy/guarded/g-lost',
      runId: 'lost',
      correlationId: 'g-lost',
      stackName: 'DemoStack',
      priority: 'normal',
      requestedAt: Date.now(),
      queueMode: 'queue',
      livenessCheckIntervalMs: 60_000,
      expectedDurationMs: 1_000,
      revokeWaitMs: 30_000,
      notices: { to: 'log' },
      approval: { required: 1, expiresAt: [] },
    });
    await queueWhen(server, 'guarded', (queue) => queue.waiting.some((entry) => entry.correlationId === 'g-lost'));
    const refused = await cli(
      'deploy',
      '--env',
      'guarded',
      '--correlation-id',
      'g-lost',
      '--override-freeze',
      '--reason',
      'x',
    );
    expect(refused).toMatchObject({ code: 4, stdout: expect.stringMatching(/guarded allows no freeze override/) });
    const view = await queueWhen(server, 'guarded', (queue) => queue.waiting.length === 0);
    expect(view.holder).toBeNull();
  }, 30_000);
});

describe('rollback', () => {
  test('repeats the deployment before the current one with its recorded inputs, ahead of normal requests', async () => {
    for (const [id, ref] of [
      ['v1', 'ref-1'],
      ['v2', 'ref-2'],
    ]) {
      expect(
        await cli('deploy', '--env', 'rolling', '--correlation-id', id!, '--ref', ref!, '--stack', 'Other'),
      ).toMatchObject({ code: 0 });
    }
    holds.hold('busy');
    const busy = await deploy({ environment: 'rolling', correlationId: 'busy', ref: 'ref-3' });
    await waitForRun(log, 'busy');
    const normal = await deploy({ environment: 'rolling', correlationId: 'normal', ref: 'ref-4' });
    await queueWhen(server, 'rolling', (queue) => queue.waiting.length === 1);
    const rollingBack = startDeployctl(
      ['rollback', '--env', 'rolling', '--reason', 'ref-2 broke checkout', '--correlation-id', 'back', '--json'],
      target(),
      { GITHUB_ACTOR: 'ana' },
    );
    const view = await queueWhen(server, 'rolling', (queue) => queue.waiting.length === 2);
    expect(view.waiting.map((entry) => entry.correlationId)).toEqual(['back', 'normal']);
    holds.release('busy');
    const rolled = await rollingBack.result;
    expect(rolled.stderr).toContain('rolling: rolling back to v1 (ref ref-1)');
    expect(rolled.code).toBe(0);
    expect(JSON.parse(rolled.stdout)).toMatchObject({ status: 'succeeded', rollbackOf: 'v1', stackName: 'Other' });
    expect(started('back')).toMatchObject({ ref: 'ref-1', stackName: 'Other' });
    expect(await outcome(normal)).toMatchObject({ status: 'succeeded' });
    expect(await outcome(busy)).toMatchObject({ status: 'succeeded' });
    const order = runIntervals(log).filter((run) => ['busy', 'back', 'normal'].includes(run.correlationId));
    expect(order.map((run) => run.correlationId)).toEqual(['busy', 'back', 'normal']);
    const entry = (await history('rolling')).find((line) => line.correlationId === 'back');
    expect(entry).toMatchObject({ rollbackOf: 'v1', ref: 'ref-1', status: 'succeeded' });
    const status = await cli('status', 'back', '--env', 'rolling');
    expect(status.stdout).toContain('rollback:    to v1: ref-2 broke checkout');
  }, 120_000);
});

test.each([
  [['approve', 'x', '--env', 'guarded', '--by', ' '], /invalid actor/],
  [['approve', 'x'], /required option '--env/],
  [['approve', 'x', '--env', 'guarded', '--by', 'bo', '--comment', ' '], /--comment must not be empty/],
  [['reject', 'x', '--env', 'guarded', '--by', 'bo'], /required option '--reason/],
  [['promote', '--from', 'staging', '--to', 'staging'], /name the same environment/],
  [['promote', '--from', 'Staging!', '--to', 'production'], /invalid environment "Staging!"/],
  [['rollback', '--env', 'rolling', '--reason', 'x', '--to', 'a', '--ref', 'b'], /give --to or --ref, not both/],
  [['rollback', '--env', 'rolling'], /required option '--reason/],
  [
    ['rollback', '--env', 'rolling', '--reason', 'x', '--to', 'nope'],
    /nope is not a deployment that succeeded in rolling/,
  ],
  [['approve', 'nope', '--env', 'guarded', '--by', 'bo'], /nope/],
])('deployctl %j: exit 64 naming the value, nothing started', async (args, message) => {
  const result = await cli(...args);
  expect(result.code).toBe(64);
  expect(result.stderr).toMatch(message);
});

test.each([
  [{ promotion: { from: 'nowhere' } }, /environments\.a\.promotion\.from: unknown environment "nowhere"/],
  [{ promotion: { from: 'a' } }, /environments\.a\.promotion\.from: cannot be itself/],
  [{ promotion: { from: 'b', soak: '1h', maxAge: '30m' } }, /promotion\.maxAge: must be longer than soak/],
  [{ promotion: { from: 'b', soak: 'soon' } }, /promotion\.soak: "soon" is not a duration/],
  [{ approvals: { required: 0 } }, /approvals\.required/],
  [{ approvals: { approvers: [] } }, /approvals\.approvers: list at least one approver/],
  [{ approvals: { expires: '2' } }, /approvals\.expires: "2" is not a duration/],
])('a bad governance config %j: exit 64 naming the field', async (overrides, message) => {
  const bad = writeConfig({ a: env(overrides), b: env() });
  const result = await deployctl(['deploy', '--env', 'a', '--correlation-id', 'x'], { ...target(), configPath: bad });
  expect(result.code).toBe(64);
  expect(result.stderr).toMatch(message);
});

test('every history of this file replays (promotions, approvals, rejections, rollbacks)', async () => {
  const ids = await allWorkflowIds(server.client);
  expect(ids.length).toBeGreaterThanOrEqual(20);
  expect(await replayFailures(server.client, ids)).toEqual([]);
});
