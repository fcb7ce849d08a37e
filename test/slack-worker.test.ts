// Slack with the real worker process: a worker lost between posting and finishing leaves one top-level message,
// and the bot token shows up in no workflow history and no log line.
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { writeConfig } from './helpers/cli';
import { stateQuery } from '../src/contract';
import { environmentDocument, eventually, runLog, startDeployment, outcome } from './helpers/coordinator';
import { startServer } from './helpers/server';
import { FakeSlack } from './helpers/slack-server';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process';

const TOKEN = 'xoxb-1234567890-secret-token-value';
const slack = new FakeSlack();
const log = runLog();
const taskQueue = 'slack-worker';
const configPath = writeConfig(
  { staging: environmentDocument(log, {}, 0) },
  { slack: { channel: '#deploys', notifyTimeout: '25s' } },
);
let env: TestWorkflowEnvironment;
let slackApiUrl = '';
const workers: WorkerProcess[] = [];
const outputs: string[] = [];

beforeAll(async () => {
  slackApiUrl = await slack.start();
  env = await startServer();
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await env?.teardown();
  await slack.stop();
});

async function startWorker(): Promise<WorkerProcess> {
  const worker = await startWorkerProcess(configPath, {
    TEMPORAL_ADDRESS: env.address,
    DEPLOY_TASK_QUEUE: taskQueue,
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_API_URL: slackApiUrl,
    LOG_LEVEL: 'debug',
  });
  workers.push(worker);
  return worker;
}

async function stopWorker(worker: WorkerProcess, signal: NodeJS.Signals): Promise<void> {
  await worker.stop(signal);
  outputs.push(worker.output());
  workers.splice(workers.indexOf(worker), 1);
}

test('a worker killed between posting and finishing leaves exactly one top-level message', async () => {
  const doomed = await startWorker();
  slack.answer = (call) =>
    call.method === 'chat.postMessage' && !call.params.thread_ts && slack.messages.length === 0
      ? 'store-then-hang'
      : 'ok';
  const handle = await startDeployment(env, taskQueue, { environment: 'staging', correlationId: 'crash' });
  await eventually(async () => (slack.messages.length === 1 ? true : undefined));
  // The deploy step is done and recorded (only the notice hangs) before the worker dies.
  await eventually(async () => ((await handle.query(stateQuery)).status === 'succeeded' ? true : undefined));
  await stopWorker(doomed, 'SIGKILL');

  await startWorker();
  expect(await outcome(handle)).toMatchObject({ status: 'succeeded' });
  const own = slack.messages.filter(
    (message) => message.metadata?.event_payload.workflowId === 'deploy/staging/crash' && !message.thread_ts,
  );
  expect(own).toHaveLength(1);
  expect(own[0]!.text).toContain('Succeeded: TestStack → staging');
  // The retry found the message by its metadata rather than posting again.
  expect(slack.calls.some((call) => call.method === 'conversations.history')).toBe(true);
});

test('the bot token is in no workflow history and no worker log line, though Slack received it', async () => {
  let n = 0;
  const answers = ['invalid_auth', 'error500', 'ratelimited'] as const;
  slack.answer = () => answers[n++ % answers.length] ?? 'ok';
  const failing = await startDeployment(env, taskQueue, { environment: 'staging', correlationId: 'secret-check' });
  expect(await outcome(failing)).toMatchObject({ status: 'succeeded' });
  slack.answer = () => 'ok';
  for (const worker of [...workers]) await stopWorker(worker, 'SIGTERM');

  expect(slack.calls.some((call) => call.authorization === `Bearer ${TOKEN}`)).toBe(true);
  const histories: string[] = [];
  for await (const execution of env.client.workflow.list()) {
    const history = await env.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    histories.push(historyToJSON(history));
  }
  expect(histories.length).toBeGreaterThanOrEqual(3);
  const everything = [...histories, ...outputs].join('\n');
  // The histories do record the Slack failures, just not the token.
  expect(everything).toContain('Slack chat.postMessage: invalid_auth');
  expect(everything).not.toContain(TOKEN);
  expect(everything).not.toContain('secret-token');
});
