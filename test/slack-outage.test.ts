// Slack misbehaving never fails or holds back a deployment: failures are counted in its state, and rate limits
// are waited out within the notification bound.
import { WebClient } from '@slack/web-api';
import { deployctl } from './helpers/cli';
import { environmentDocument, outcome, runLog, useCoordinator } from './helpers/coordinator';
import { type Answer, FakeSlack } from './helpers/slack-server';

const slack = new FakeSlack();
let slackApiUrl = '';
const log = runLog();
const DEPLOY_MS = 1000;
const NOTIFY_TIMEOUT_MS = 4000;

beforeAll(async () => {
  slackApiUrl = await slack.start();
});
afterAll(() => slack.stop());

const coordinator = useCoordinator(
  { staging: environmentDocument(log, {}, DEPLOY_MS) },
  {
    config: { slack: { channel: '#deploys', notifyTimeout: `${NOTIFY_TIMEOUT_MS}ms` } },
    slack: () =>
      new WebClient('xoxb-outage', { slackApiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true }),
  },
);

async function deployWhile(answer: Answer | ((n: number) => Answer), correlationId: string) {
  let n = 0;
  slack.answer = () => (typeof answer === 'function' ? answer(n++) : answer);
  const started = Date.now();
  const result = await outcome(await coordinator.deploy({ environment: 'staging', correlationId }));
  const elapsedMs = Date.now() - started;
  slack.answer = () => 'ok';
  const status = await deployctl(['status', '--env', 'staging', correlationId, '--json'], coordinator.cli);
  return { result, elapsedMs, state: JSON.parse(status.stdout) as { notificationsFailed: number } };
}

test('a Slack outage for the whole deployment: it still succeeds on time, and the failures are counted', async () => {
  const { result, elapsedMs, state } = await deployWhile('error500', 'outage');
  expect(result.status).toBe('succeeded');
  // The deploy step was not held back at all; only the final notice may wait, at most its bound.
  expect(result.queuedMs).toBeLessThan(2000);
  expect(elapsedMs).toBeLessThan(DEPLOY_MS + NOTIFY_TIMEOUT_MS + 5000);
  // Queued and finished at least (started may be overtaken by the outcome and never sent).
  expect(state.notificationsFailed).toBeGreaterThanOrEqual(2);
  expect(state.notificationsFailed).toBeLessThanOrEqual(3);
  const status = await deployctl(['status', '--env', 'staging', 'outage'], coordinator.cli);
  expect(status.stdout).toMatch(/notifications: +[23] not delivered/);
});

test('rate limits are waited out (Retry-After) and the deployment gets its one message', async () => {
  const { result, state } = await deployWhile((n) => (n < 2 ? 'ratelimited' : 'ok'), 'limited');
  expect(result.status).toBe('succeeded');
  expect(state.notificationsFailed).toBe(0);
  const posts = slack.callsFor('deploy/staging/limited').filter((call) => call.method === 'chat.postMessage');
  expect(posts.filter((call) => !call.params.thread_ts)).toHaveLength(1);
});

test('a rejected token is not retried: each notice fails once and the deployment goes on', async () => {
  const before = slack.calls.length;
  const { result, state } = await deployWhile('invalid_auth', 'no-auth');
  expect(result.status).toBe('succeeded');
  expect(state.notificationsFailed).toBe(3);
  // One call per notice: no retries of a configuration error.
  expect(slack.calls.length - before).toBe(3);
});
