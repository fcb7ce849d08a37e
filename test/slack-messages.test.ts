// The Slack calls of a deployment, through the real WebClient against a local Slack API: one top-level message per
// deployment, updated in place, with details in its thread.
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { deployctl } from './helpers/cli';
import {
  environmentDocument,
  eventually,
  Holds,
  outcome,
  runLog,
  useCoordinator,
  waitForRun,
} from './helpers/coordinator';
import { CHANNEL, describeCall, FakeSlack } from './helpers/slack-server';

const FAIL_WHEN_RELEASED =
  'const held = process.argv[1]; setInterval(() => { if (!require("fs").existsSync(held)) ' +
  '{ console.error("template invalid"); process.exit(2); } }, 20);';

const TOKEN = 'xoxb-test-token';
const slack = new FakeSlack();
let slackApiUrl = '';
const log = runLog();
const holds = new Holds();

beforeAll(async () => {
  slackApiUrl = await slack.start();
});
afterAll(() => slack.stop());

const coordinator = useCoordinator(
  {
    staging: environmentDocument(log, {}, 100, holds),
    broken: environmentDocument(log, {
      deploy: {
        type: 'command',
        // Fails once its hold is lifted, as the fixture's runs end.
        command: ['node', '-e', FAIL_WHEN_RELEASED, join(holds.dir, 'bad')],
      },
    }),
    quiet: environmentDocument(log, { slack: { channel: CHANNEL.id } }, 100, holds),
    stale: environmentDocument(log, { livenessCheckInterval: '1s' }, 100, holds),
    approving: environmentDocument(log, { approvals: { approvers: ['bo'] } }, 100, holds),
  },
  {
    config: { slack: { channel: '#deploys', notifyTimeout: '10s' } },
    slack: () => new WebClient(TOKEN, { slackApiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true }),
  },
);

const top = (status: string, stack = 'TestStack', environment = 'staging') => `${status}: ${stack} → ${environment}`;

/**
 * Lets a held deployment end once its Deploying update is in Slack: a deployment that ends first never sends that
 * update (its outcome replaces it), which is right, but not what these tests show.
 */
async function releaseOnceDeploying(correlationId: string, environment = 'staging'): Promise<void> {
  const update = `chat.update: :rocket: ${top('Deploying', 'TestStack', environment)}`;
  await eventually(async () =>
    slack.callsFor(`deploy/${environment}/${correlationId}`).map(describeCall).includes(update) ? true : undefined,
  );
  holds.release(correlationId);
}

test('a succeeded deployment: one post, updated as it runs, and the outcome in its thread', async () => {
  holds.hold('ok');
  const handle = await coordinator.deploy({ environment: 'staging', correlationId: 'ok', ref: 'v1' });
  await releaseOnceDeploying('ok');
  const result = await outcome(handle);
  expect(result.status).toBe('succeeded');
  expect(slack.calls[0]?.method).toBe('conversations.list');
  const calls = slack.callsFor('deploy/staging/ok');
  expect(calls.map(describeCall)).toEqual([
    `chat.postMessage: :hourglass_flowing_sand: ${top('Queued')}`,
    `chat.update: :rocket: ${top('Deploying')}`,
    `chat.update: :white_check_mark: ${top('Succeeded')}`,
    expect.stringMatching(/^chat\.postMessage \(thread\): Succeeded in \S+$/),
  ]);
  // Every message names the deployment and links to the Web UI; the token is sent as a bearer token only.
  const first = calls[0]!;
  expect(first.params.channel).toBe(CHANNEL.id);
  expect(String(first.params.text)).toContain('correlation ID ok, environment staging, stack TestStack, ref v1');
  expect(String(first.params.text)).toContain('/namespaces/default/workflows/deploy%2Fstaging%2Fok');
  expect(first.params.metadata).toEqual({
    event_type: 'deployment_coordinator',
    event_payload: { workflowId: 'deploy/staging/ok' },
  });
  expect(calls.every((call) => call.authorization === `Bearer ${TOKEN}`)).toBe(true);
});

test('a failed deployment: the error in the message and in its thread', async () => {
  holds.hold('bad');
  const handle = await coordinator.deploy({ environment: 'broken', correlationId: 'bad' });
  await releaseOnceDeploying('bad', 'broken');
  const result = await outcome(handle);
  expect(result.status).toBe('failed');
  expect(slack.callsFor('deploy/broken/bad').map(describeCall)).toEqual([
    `chat.postMessage: :hourglass_flowing_sand: ${top('Queued', 'TestStack', 'broken')}`,
    `chat.update: :rocket: ${top('Deploying', 'TestStack', 'broken')}`,
    `chat.update: :x: ${top('Failed', 'TestStack', 'broken')}`,
    expect.stringMatching(
      new RegExp(
        /^chat\.postMessage \(thread\): Failed in \S+: /.source +
          /deploy command exited with code 2 \(last output: template invalid\)$/.source,
      ),
    ),
  ]);
});

test('a queued-then-run deployment says whom it waits behind, then runs', async () => {
  holds.hold('first');
  const first = await coordinator.deploy({ environment: 'staging', correlationId: 'first' });
  await waitForRun(log, 'first');
  const second = await coordinator.deploy({ environment: 'staging', correlationId: 'second' });
  await coordinator.queueWhen('staging', (view) => view.waiting.length === 1);
  await new Promise((resolve) => setTimeout(resolve, 500));
  holds.hold('second');
  holds.release('first');
  await outcome(first);
  await releaseOnceDeploying('second');
  expect((await outcome(second)).status).toBe('succeeded');
  expect(slack.callsFor('deploy/staging/second').map(describeCall)).toEqual([
    `chat.postMessage: :hourglass_flowing_sand: ${top('Queued')}`,
    expect.stringMatching(/^chat\.postMessage \(thread\): Queued behind first: position 1, estimated wait /),
    `chat.update: :rocket: ${top('Deploying')}`,
    `chat.update: :white_check_mark: ${top('Succeeded')}`,
    expect.stringMatching(/^chat\.postMessage \(thread\): Succeeded in /),
  ]);
});

test('a cancelled deployment says so, with who cancelled it and why', async () => {
  holds.hold('stopped');
  const handle = await coordinator.deploy({ environment: 'quiet', correlationId: 'stopped' });
  await waitForRun(log, 'stopped');
  expect(
    (
      await deployctl(
        ['cancel', '--env', 'quiet', 'stopped', '--reason', 'wrong commit', '--by', 'ana'],
        coordinator.cli,
      )
    ).code,
  ).toBe(0);
  expect((await outcome(handle)).status).toBe('cancelled');
  holds.release('stopped');
  expect(slack.callsFor('deploy/quiet/stopped').map(describeCall)).toEqual([
    `chat.postMessage: :hourglass_flowing_sand: ${top('Queued', 'TestStack', 'quiet')}`,
    `chat.update: :rocket: ${top('Deploying', 'TestStack', 'quiet')}`,
    `chat.update: :no_entry_sign: ${top('Cancelled', 'TestStack', 'quiet')}`,
    expect.stringMatching(/^chat\.postMessage \(thread\): Cancelled by ana in \S+: wrong commit$/),
  ]);
  // A channel given as an ID needs no look-up.
  expect(slack.calls.filter((call) => call.method === 'conversations.list')).toHaveLength(1);
});

test('a holder terminated in the Web UI: the lock recovers the turn, says so on that deployment message', async () => {
  holds.hold('terminated');
  const handle = await coordinator.deploy({ environment: 'stale', correlationId: 'terminated' });
  await waitForRun(log, 'terminated');
  await eventually(async () => (slack.callsFor('deploy/stale/terminated').length >= 2 ? true : undefined));
  await handle.terminate('stuck');
  holds.release('terminated');
  const calls = await eventually(async () => {
    const found = slack.callsFor('deploy/stale/terminated');
    return found.length >= 4 ? found : undefined;
  });
  expect(calls.map(describeCall)).toEqual([
    `chat.postMessage: :hourglass_flowing_sand: ${top('Queued', 'TestStack', 'stale')}`,
    `chat.update: :rocket: ${top('Deploying', 'TestStack', 'stale')}`,
    `chat.update: :broom: ${top('Ended without releasing', 'TestStack', 'stale')}`,
    'chat.postMessage (thread): Stale lock recovered: terminated ended without giving its turn back; ' +
      'stale was passed on.',
  ]);
});

test('a freeze by hand and its lifting are announced in the environment channel, with who and why', async () => {
  const freeze = ['freeze', '--env', 'quiet', '--reason', 'incident 42', '--by', 'ana'];
  expect(await deployctl(freeze, coordinator.cli)).toMatchObject({ code: 0 });
  const lift = ['unfreeze', '--env', 'quiet', '--reason', 'resolved', '--by', 'ana'];
  expect(await deployctl(lift, coordinator.cli)).toMatchObject({ code: 0 });
  const announced = slack.calls
    .filter((call) => call.method === 'chat.postMessage' && call.params.channel === CHANNEL.id)
    .map((call) => String(call.params.text));
  expect(announced).toEqual(
    expect.arrayContaining([
      ':snowflake: quiet: frozen by ana until lifted: incident 42. Requests wait in order.',
      ':sunny: quiet: freeze lifted by ana: resolved',
    ]),
  );
});

test('a deployment waiting for approval says so with the command that approves it, then who approved', async () => {
  const handle = await coordinator.deploy({ environment: 'approving', correlationId: 'ask', requestedBy: 'ana' });
  const queued = `chat.postMessage: :hourglass_flowing_sand: ${top('Queued', 'TestStack', 'approving')}`;
  await eventually(async () =>
    slack.callsFor('deploy/approving/ask').map(describeCall).includes(queued) ? true : undefined,
  );
  const post = slack.callsFor('deploy/approving/ask')[0]!;
  expect(String(post.params.text)).toContain('Waiting for approval (0/1): deployctl approve --env approving ask');
  const approved = await deployctl(['approve', 'ask', '--env', 'approving', '--by', 'bo'], coordinator.cli);
  expect(approved.code).toBe(0);
  expect(await outcome(handle)).toMatchObject({ status: 'succeeded', approvedBy: ['bo'] });
  const calls = slack.callsFor('deploy/approving/ask').map(describeCall);
  expect(calls).toContain('chat.postMessage (thread): approved by bo (1/1)');
  const outcomeReply = slack
    .callsFor('deploy/approving/ask')
    .map((call) => String(call.params.text))
    .find((text) => text.startsWith('Succeeded in'));
  expect(outcomeReply).toMatch(/^Succeeded in \S+\nApproved by bo \(1\/1\)$/);
});
