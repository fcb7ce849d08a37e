// deployctl stats against a real server and worker: a seeded run of deployments (a success, a failure, the fix, a
// rollback) gives the figures a calculation by hand over `deployctl history --json` gives; bad arguments exit 64.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployctl } from './helpers/cli';
import { DEPLOY_STEP, runLog, useCoordinator } from './helpers/coordinator';
import type { HistoryEntry } from '../src/contract';
import type { DeliveryStats } from '../src/domain/delivery-stats';

const log = runLog();
const failing = mkdtempSync(join(tmpdir(), 'stats-fail-'));
const coordinator = useCoordinator({
  shop: {
    stackName: 'ShopStack',
    lockWaitTimeout: '5m',
    deploy: { type: 'command', command: ['node', DEPLOY_STEP, '--log', log, '--sleep', '100', '--fail-dir', failing] },
  },
  idle: { stackName: 'IdleStack', deploy: { type: 'command', command: ['node', DEPLOY_STEP, '--log', log] } },
});
const cli = (args: string[]) => deployctl(args, coordinator.cli, { GITHUB_ACTOR: 'ana' });
/** Each commit made ten minutes before it is deployed. */
const deploy = (id: string, ref: string) =>
  cli(['deploy', '--env', 'shop', '--correlation-id', id, '--ref', ref, '--commit-time', tenMinutesAgo()]);
const tenMinutesAgo = () => new Date(Date.now() - 600_000).toISOString();

test('a seeded run of deployments: the figures a calculation by hand gives', async () => {
  expect((await deploy('s1', 'v1')).code).toBe(0);
  writeFileSync(join(failing, 's2'), '');
  expect((await deploy('s2', 'v2')).code).toBe(1);
  rmSync(join(failing, 's2'));
  expect((await deploy('s3', 'v3')).code).toBe(0);
  expect((await cli(['rollback', '--env', 'shop', '--correlation-id', 'r1', '--reason', 'v3 is slow'])).code).toBe(0);

  const history = JSON.parse((await cli(['history', '--env', 'shop', '--json'])).stdout) as HistoryEntry[];
  const byId = Object.fromEntries(history.map((entry) => [entry.correlationId, entry]));
  const result = await cli(['stats', '--env', 'shop', '--env', 'idle', '--since', '1d', '--json']);
  expect(result.code).toBe(0);
  const [idle, shop] = JSON.parse(result.stdout) as DeliveryStats[];

  // Four changes in the day; s2 failed and r1 rolled back: 2 of 4. The failure ended when s2 did, and s3 restored it.
  const ended = (id: string) => Date.parse(byId[id]!.endedAt!);
  // Of four values sorted, the nearest-rank median is the second and the p90 the fourth.
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const waits = sorted(['s1', 's2', 's3', 'r1'].map((id) => byId[id]!.queuedMs!));
  const runs = sorted(['s1', 's2', 's3', 'r1'].map((id) => byId[id]!.durationMs!));
  expect(shop).toMatchObject({
    environment: 'shop',
    days: 1,
    requested: 4,
    deployed: 4,
    deploymentsPerDay: 4,
    changeFailures: 2,
    changeFailureRate: 0.5,
    timeToRestore: { count: 1, medianMs: ended('s3') - ended('s2'), p90Ms: ended('s3') - ended('s2') },
    failingSince: null,
    queueWait: { count: 4, medianMs: waits[1], p90Ms: waits[3] },
    duration: { count: 4, medianMs: runs[1], p90Ms: runs[3] },
  });
  // Lead time: s1 and s3 succeeded with a commit time (the rollback r1 gave none; s2 failed).
  const leads = sorted(['s1', 's3'].map((id) => ended(id) - Date.parse(byId[id]!.commitTime!)));
  expect(shop!.leadTime).toEqual({ count: 2, medianMs: leads[0], p90Ms: leads[1] });
  expect(leads[0]).toBeGreaterThanOrEqual(600_000);
  expect(shop!.daily.reduce((sum, day) => sum + day.deployed, 0)).toBe(4);
  expect(byId.r1!.rollbackOf).toBe('s1');
  expect(idle).toMatchObject({ environment: 'idle', requested: 0, deployed: 0, changeFailureRate: null });

  const text = await cli(['stats', '--env', 'shop', '--since', '1d']);
  expect(text.stdout).toContain('shop (last 1d):');
  expect(text.stdout).toMatch(/change failure rate:\s+50\.0% \(2 failed or rolled back\)/);
}, 120_000);

test.each([
  [['--since', '2'], /invalid --since "2": a duration from 1h to 366d/],
  [['--since', '2y'], /invalid --since "2y"/],
  [['--since', '400d'], /invalid --since "400d"/],
  [['--env', 'no such'], /environment/],
])('deployctl stats %j: exit 64 naming the value', async (args, message) => {
  const result = await cli(['stats', ...args]);
  expect(result.code).toBe(64);
  expect(result.stderr).toMatch(message);
});

test.each([
  ['yesterday', /invalid --commit-time "yesterday": use an ISO 8601 time with its offset/],
  ['2999-01-01T00:00:00Z', /invalid --commit-time "2999-01-01T00:00:00Z": that time is ahead/],
])('deployctl deploy --commit-time %s: exit 64 naming it, nothing requested', async (value, message) => {
  const result = await cli(['deploy', '--env', 'shop', '--correlation-id', 'bad-time', '--commit-time', value]);
  expect(result.code).toBe(64);
  expect(result.stderr).toMatch(message);
  const history = JSON.parse((await cli(['history', '--env', 'shop', '--json'])).stdout) as HistoryEntry[];
  expect(history.map((entry) => entry.correlationId)).not.toContain('bad-time');
});
