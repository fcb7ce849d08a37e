// Retry from the Web UI: a failed deployment reset to its first workflow task (the UI's Reset, or
// `temporal workflow reset --type FirstWorkflowTask`) runs again through its environment's queue, as a new run of the
// same workflow, and updates the same Slack message; the old run's lease never counts.
import { execFileSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { WebClient } from '@slack/web-api';
import { stateQuery } from '../src/contract';
import { findTemporalCli } from '../src/worker/locate-temporal-cli';
import { deployctl } from './helpers/cli';
import {
  DEPLOY_STEP,
  environmentDocument,
  eventually,
  Holds,
  outcome,
  readRuns,
  runLog,
  useCoordinator,
  waitForRun,
} from './helpers/coordinator';
import { CHANNEL, describeCall, FakeSlack } from './helpers/slack-server';

const slack = new FakeSlack();
let slackApiUrl = '';
const log = runLog();
const holds = new Holds();
/** A deployment fails while its marker is here: the fix has not landed yet. */
const failing = mkdtempSync(join(tmpdir(), 'deploy-failing-'));

beforeAll(async () => {
  slackApiUrl = await slack.start();
});
afterAll(() => slack.stop());

const coordinator = useCoordinator(
  {
    staging: {
      stackName: 'TestStack',
      lockWaitTimeout: '5m',
      deploy: {
        type: 'command',
        command: ['node', DEPLOY_STEP, '--log', log, '--sleep', '100', '--hold-dir', holds.dir, '--fail-dir', failing],
      },
      slack: { channel: CHANNEL.id },
    },
    // Liveness checked every second: a closed holder is found at once.
    busy: environmentDocument(log, { livenessCheckInterval: '1s' }, 100, holds),
  },
  {
    config: { slack: { channel: CHANNEL.id, notifyTimeout: '10s' } },
    slack: () => new WebClient('xoxb-test-token', { slackApiUrl, retryConfig: { retries: 0 } }),
  },
);

const temporal = (args: string[]) =>
  execFileSync(findTemporalCli()!, [...args, '--address', coordinator.env.address], { stdio: 'pipe' }).toString();

test('a failed deployment reset to its first workflow task queues again, succeeds, updates its message', async () => {
  writeFileSync(join(failing, 'retried'), '');
  const failed = await deployctl(
    ['deploy', '--env', 'staging', '--correlation-id', 'retried', '--json'],
    coordinator.cli,
  );
  expect(failed.code).toBe(1);
  expect(JSON.parse(failed.stdout)).toMatchObject({ status: 'failed', errorType: 'DeployCommandFailed' });
  const handle = coordinator.env.client.workflow.getHandle('deploy/staging/retried');
  const firstRun = (await handle.describe()).runId;
  expect((await handle.describe()).status.name).toBe('FAILED');
  // The message has its outcome before the reset (the notices are sent in the background).
  await eventually(async () =>
    slack.callsFor('deploy/staging/retried').some((call) => String(call.params.text).includes('Failed'))
      ? true
      : undefined,
  );

  // The fix lands; meanwhile another deployment holds the environment.
  rmSync(join(failing, 'retried'));
  holds.hold('ahead');
  const ahead = await coordinator.deploy({ environment: 'staging', correlationId: 'ahead' });
  await waitForRun(log, 'ahead');

  temporal([
    'workflow',
    'reset',
    '--workflow-id',
    'deploy/staging/retried',
    '--type',
    'FirstWorkflowTask',
    '--reason',
    'fix landed',
  ]);
  const view = await coordinator.queueWhen('staging', (queue) =>
    queue.waiting.some((entry) => entry.workflowId === 'deploy/staging/retried'),
  );
  expect(view.holder?.correlationId).toBe('ahead');
  // The reset reapplies the old run's signals, its grant among them: the new run must not take it for its own.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(await handle.query(stateQuery)).toMatchObject({ status: 'queued' });
  expect(readRuns(log).filter((run) => run.correlationId === 'retried' && run.event === 'start')).toHaveLength(1);
  holds.release('ahead');

  expect(await outcome(handle)).toMatchObject({ status: 'succeeded', correlationId: 'retried' });
  const description = await handle.describe();
  expect(description.status.name).toBe('COMPLETED');
  expect(description.runId).not.toBe(firstRun);
  expect(await outcome(ahead)).toMatchObject({ status: 'succeeded' });

  // The command ran twice, the second time after the deployment ahead of it had ended.
  const runs = readRuns(log).filter((run) => run.correlationId === 'retried' && run.event === 'start');
  expect(runs).toHaveLength(2);
  const aheadEnd = readRuns(log).find((run) => run.correlationId === 'ahead' && run.event === 'end')!;
  expect(runs[1]!.at).toBeGreaterThanOrEqual(aheadEnd.at);

  // One top-level message for both runs, updated to the new outcome.
  const calls = await eventually(async () => {
    const all = slack.callsFor('deploy/staging/retried').map(describeCall);
    return all.some((call) => call.startsWith('chat.postMessage (thread): Succeeded')) ? all : undefined;
  });
  expect(calls.filter((call) => call.startsWith('chat.postMessage:'))).toHaveLength(1);
  expect(calls.filter((call) => call.startsWith('chat.update:')).at(-1)).toContain(':white_check_mark: Succeeded');
  expect(calls.some((call) => call.startsWith('chat.postMessage (thread): Failed'))).toBe(true);
});

test("a deployment reset while it deploys: the old run's command stops before the new run deploys", async () => {
  holds.hold('reset-running');
  const handle = await coordinator.deploy({ environment: 'busy', correlationId: 'reset-running' });
  await waitForRun(log, 'reset-running');
  const next = await coordinator.deploy({ environment: 'busy', correlationId: 'after-reset' });
  await coordinator.queueWhen('busy', (queue) => queue.waiting.length === 1);

  temporal([
    'workflow',
    'reset',
    '--workflow-id',
    'deploy/busy/reset-running',
    '--type',
    'FirstWorkflowTask',
    '--reason',
    'again',
  ]);
  // The old run's command is stopped with its run; the new run waits for the turn, keeping nobody's lease.
  // (`outcome` follows the deployment into its new run, as deployctl does.)
  await waitForRun(log, 'reset-running', 'terminated');
  holds.release('reset-running');
  expect(await outcome(handle)).toMatchObject({ status: 'succeeded' });
  expect(await outcome(next)).toMatchObject({ status: 'succeeded' });

  // Each run of the command (one process each), in the order they began, each ending before the next began.
  const records = readRuns(log).filter((run) => run.environment === 'busy');
  const runs = [...new Set(records.map((run) => run.pid))].map((pid) => {
    const own = records.filter((run) => run.pid === pid);
    const start = own.find((run) => run.event === 'start')!;
    const end = own.find((run) => run.event === 'end' || run.event === 'terminated')!;
    return { correlationId: start.correlationId, start: start.at, end: end.at };
  });
  runs.sort((a, b) => a.start - b.start);
  // The new run asked for the turn anew: behind the deployment that was waiting already.
  expect(runs.map((run) => run.correlationId)).toEqual(['reset-running', 'after-reset', 'reset-running']);
  for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end);
});
