// A deployment requested from a GitHub repository shows there as a GitHub deployment whose status follows the
// workflow, not the CI job: queued, in_progress, then its outcome, with the Web UI as its log and a stack output as
// its URL. Against a local fake of GitHub's REST API (it answers as GitHub does, and fails on purpose) and moto, with
// the built worker in processes of its own, as deployed.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { deployctl, writeConfig } from './helpers/cli';
import { environmentDocument, eventually, Holds, outcome, runLog, waitForRun } from './helpers/coordinator';
import { FakeGitHub, type GitHubAnswer, type GitHubRequest } from './helpers/github-server';
import { awsEnvironment, MOTO_REGION, type Moto, startMoto } from './helpers/moto';
import { allWorkflowIds, replayFailures } from './helpers/replay';
import { startServer } from './helpers/server';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process';
import type { DeploymentState } from '../src/contract';

const TOKEN = `ghp_${'t0ken'.repeat(7)}x`;
const NOTIFY_TIMEOUT_MS = 5000;
const REPOSITORY = 'acme/shop';
const taskQueue = 'github-deployments';
const log = runLog();
const holds = new Holds();
const github = new FakeGitHub({ token: TOKEN });
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const APP_KEY = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const appKeyPath = join(tmpdir(), `github-app-${process.pid}.pem`);
writeFileSync(appKeyPath, APP_KEY, { mode: 0o600 });
github.acceptApp('31337', publicKey.export({ type: 'spki', format: 'pem' }).toString());

let apiUrl = '';
let moto: Moto | undefined;
let server: TestWorkflowEnvironment;
let worker: WorkerProcess | undefined;
let configPath = '';
const workerOutputs: string[] = [];

const env = (overrides: Record<string, unknown> = {}) => environmentDocument(log, overrides, 100, holds);
const DEPLOY_WITH_OUTPUT = join(__dirname, 'fixtures', 'deploy-change-set.js');

beforeAll(async () => {
  [apiUrl, moto, server] = await Promise.all([github.start(), startMoto(), startServer()]);
  configPath = writeConfig(
    {
      staging: env({ github: { environmentUrlOutput: 'ApiUrl' } }),
      stacked: {
        stackName: 'ShopStack',
        lockWaitTimeout: '1m',
        deploy: { type: 'command', command: ['node', DEPLOY_WITH_OUTPUT, 'shop-v1', 'https://shop.example.test'] },
        cloudformation: { region: MOTO_REGION, pollInterval: '200ms' },
        github: { environmentUrlOutput: 'ApiUrl', environment: 'shop-production' },
      },
      preview: env({ github: { transient: true } }),
      broken: env({ deploy: { type: 'command', command: ['false'] } }),
    },
    { github: { apiUrl }, slack: { notifyTimeout: `${NOTIFY_TIMEOUT_MS}ms` } },
  );
  worker = await startTokenWorker();
});
afterAll(async () => {
  await worker?.stop();
  await server?.teardown();
  await moto?.stop();
  await github.stop();
});

function startTokenWorker(extra: NodeJS.ProcessEnv = {}) {
  return startWorkerProcess(configPath, {
    TEMPORAL_ADDRESS: server.address,
    DEPLOY_TASK_QUEUE: taskQueue,
    DEPLOY_GITHUB_TOKEN: TOKEN,
    ...awsEnvironment(moto!.endpoint),
    ...extra,
  });
}

async function replaceWorker(next: () => Promise<WorkerProcess>, signal: NodeJS.Signals = 'SIGTERM') {
  if (worker) {
    workerOutputs.push(worker.output());
    await (signal === 'SIGKILL' ? worker.stopGroup('SIGKILL') : worker.stop());
  }
  worker = await next();
}

const target = () => ({ address: server.address, taskQueue, configPath });
const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => deployctl(args, target(), extra);
const deploy = (environment: string, correlationId: string, ...more: string[]) =>
  cli(['deploy', '--env', environment, '--correlation-id', correlationId, '--github-repository', REPOSITORY, ...more]);
const handleOf = (environment: string, correlationId: string) =>
  server.client.workflow.getHandle(`deploy/${environment}/${correlationId}`);

/** The one GitHub deployment made for a deployment, and its statuses' states, once its last status is final. */
async function shownOnGitHub(environment: string, correlationId: string) {
  const workflowId = `deploy/${environment}/${correlationId}`;
  return eventually(async () => {
    const made = github.deploymentsOf(workflowId);
    const statuses = made.length === 1 ? github.statusesOf(made[0]!.id) : [];
    const last = statuses.at(-1)?.state;
    if (!last || ['queued', 'in_progress'].includes(last)) return undefined;
    return { deployments: made, deployment: made[0]!, statuses, states: statuses.map((status) => status.state) };
  }, 60_000);
}

const creations = (workflowId: string) =>
  github.requests.filter(
    (request) =>
      request.method === 'POST' &&
      request.path.endsWith('/deployments') &&
      (request.body.payload as { workflowId?: string } | undefined)?.workflowId === workflowId,
  );

test('a succeeded deployment: queued, in_progress, success, with its Web UI log and its stack output as URL', async () => {
  const result = await deploy('stacked', 'gh-ok', '--ref', 'abc123');
  expect(result.code).toBe(0);
  const { deployment, statuses, states } = await shownOnGitHub('stacked', 'gh-ok');
  expect(deployment).toMatchObject({
    repository: REPOSITORY,
    ref: 'abc123',
    environment: 'shop-production',
    task: 'deploy',
    transient_environment: false,
    payload: { workflowId: 'deploy/stacked/gh-ok', correlationId: 'gh-ok' },
  });
  // The coordinator decides when: no merge of the default branch, no wait for the commit's checks.
  expect(creations('deploy/stacked/gh-ok')[0]!.body).toMatchObject({ auto_merge: false, required_contexts: [] });
  expect(states).toEqual(['queued', 'in_progress', 'success']);
  for (const status of statuses) {
    expect(status.log_url).toMatch(/\/namespaces\/default\/workflows\/deploy%2Fstacked%2Fgh-ok$/);
  }
  expect(statuses.at(-1)).toMatchObject({
    environment_url: 'https://shop.example.test',
    description: expect.stringMatching(/^Succeeded in /),
  });
}, 90_000);

test('a failed deployment ends failure; a later success marks the earlier success inactive', async () => {
  expect((await deploy('broken', 'gh-fail', '--ref', 'abc123')).code).toBe(1);
  const failed = await shownOnGitHub('broken', 'gh-fail');
  expect(failed.states).toEqual(['queued', 'in_progress', 'failure']);
  expect(failed.statuses.at(-1)!.description).toMatch(/^Failed in .*exit/);

  expect((await deploy('staging', 'gh-first', '--ref', 'v1')).code).toBe(0);
  const first = await shownOnGitHub('staging', 'gh-first');
  expect((await deploy('staging', 'gh-second', '--ref', 'v2')).code).toBe(0);
  const second = await shownOnGitHub('staging', 'gh-second');
  expect(second.states.at(-1)).toBe('success');
  expect(github.requests.some((request) => request.body.auto_inactive === true)).toBe(true);
  expect(github.statusesOf(first.deployment.id).map((status) => status.state)).toEqual([
    'queued',
    'in_progress',
    'success',
    'inactive',
  ]);
}, 90_000);

test('cancelled while running: error; cancelled while waiting: inactive (it never changed the environment)', async () => {
  holds.hold('gh-running');
  expect((await deploy('staging', 'gh-running', '--ref', 'v3', '--detach')).code).toBe(0);
  await waitForRun(log, 'gh-running');
  expect((await deploy('staging', 'gh-waiting', '--ref', 'v4', '--detach')).code).toBe(0);
  await eventually(async () => github.deploymentsOf('deploy/staging/gh-waiting')[0]);
  expect((await cli(['cancel', 'gh-waiting', '--env', 'staging', '--reason', 'not today'])).code).toBe(0);
  expect((await cli(['cancel', 'gh-running', '--env', 'staging', '--reason', 'wrong build'])).code).toBe(0);
  // Held until it has ended: the cancel takes effect after the operator check, and a step let go sooner could win.
  await outcome(handleOf('staging', 'gh-running') as never);
  holds.release('gh-running');

  const running = await shownOnGitHub('staging', 'gh-running');
  expect(running.states).toEqual(['queued', 'in_progress', 'error']);
  expect(running.statuses.at(-1)!.description).toMatch(/^Cancelled .*wrong build/);
  const waiting = await shownOnGitHub('staging', 'gh-waiting');
  expect(waiting.states).toEqual(['queued', 'inactive']);
  expect(waiting.statuses.at(-1)!.description).toMatch(/^Cancelled.*not today/);
}, 90_000);

test('detached, with the repository and commit from GitHub Actions: the statuses still reach the end', async () => {
  const sha = 'e'.repeat(40);
  const result = await cli(['deploy', '--env', 'preview', '--correlation-id', 'gh-detached', '--detach'], {
    GITHUB_REPOSITORY: REPOSITORY,
    GITHUB_SHA: sha,
  });
  expect(result.code).toBe(0);
  const { deployment, states } = await shownOnGitHub('preview', 'gh-detached');
  expect(deployment).toMatchObject({ ref: sha, environment: 'preview', transient_environment: true });
  expect(states).toEqual(['queued', 'in_progress', 'success']);
}, 60_000);

/** Deploys while GitHub answers as `answer` says, then reads back the deployment's state. */
async function deployWhile(answer: (request: GitHubRequest, n: number) => GitHubAnswer, correlationId: string) {
  let n = 0;
  github.answer = (request) => answer(request, n++);
  const started = Date.now();
  const result = await deploy('staging', correlationId, '--ref', 'v5');
  const elapsedMs = Date.now() - started;
  github.answer = () => 'ok';
  const state = (await handleOf('staging', correlationId).query('state')) as DeploymentState;
  return { result, elapsedMs, state };
}

test('a GitHub outage delays no deployment: it succeeds on time and the statuses not set are counted', async () => {
  const { result, elapsedMs, state } = await deployWhile(() => 'error503', 'gh-outage');
  expect(result.code).toBe(0);
  // Only the end may wait for GitHub, at most one notify timeout (plus deployctl's own start and the deploy).
  expect(elapsedMs).toBeLessThan(NOTIFY_TIMEOUT_MS + 15_000);
  expect(state.notificationsFailed).toBeGreaterThanOrEqual(1);
  expect(github.deploymentsOf('deploy/staging/gh-outage')).toEqual([]);
}, 60_000);

test('rate limits (429, and the 403 of a secondary limit) are waited out as retry-after says', async () => {
  const since = Date.now();
  const { result, state } = await deployWhile(
    (_, n) => (n === 0 ? 'ratelimited' : n === 1 ? 'secondary' : 'ok'),
    'gh-limited',
  );
  expect(result.code).toBe(0);
  const { deployments } = await shownOnGitHub('staging', 'gh-limited');
  expect(deployments).toHaveLength(1);
  expect(state.notificationsFailed).toBe(0);
  // Made (429), looked for in case the first try made it (403), looked for again, made: each retry-after (1 s) apart.
  const tries = github.requests.filter(
    (request) => request.at >= since && request.path === `/repos/${REPOSITORY}/deployments`,
  );
  expect(tries.map((request) => request.method)).toEqual(['POST', 'GET', 'GET', 'POST']);
  expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(950);
  expect(tries[2]!.at - tries[1]!.at).toBeGreaterThanOrEqual(950);
}, 60_000);

test('a worker killed while GitHub made the deployment: the next worker finds it, and makes no second one', async () => {
  let hung = false;
  github.answer = (request) => {
    if (hung || request.method !== 'POST' || !request.path.endsWith('/deployments')) return 'ok';
    hung = true;
    return 'store-then-hang';
  };
  // Frozen, so that the deployment waits (and its deploy step does not die with the worker) while GitHub hangs.
  expect((await cli(['freeze', '--env', 'staging', '--reason', 'hold it'])).code).toBe(0);
  expect((await deploy('staging', 'gh-killed', '--ref', 'v6', '--detach')).code).toBe(0);
  await eventually(async () => (hung ? true : undefined));
  await replaceWorker(() => startTokenWorker(), 'SIGKILL');
  github.answer = () => 'ok';
  expect((await cli(['unfreeze', '--env', 'staging', '--reason', 'go'])).code).toBe(0);
  const { deployments, states } = await shownOnGitHub('staging', 'gh-killed');
  expect(deployments).toHaveLength(1);
  expect(states.at(-1)).toBe('success');
  expect(creations('deploy/staging/gh-killed')).toHaveLength(1);
}, 90_000);

test('as a GitHub App: the worker asks for an installation token and deploys with it', async () => {
  await replaceWorker(() =>
    startTokenWorker({
      DEPLOY_GITHUB_TOKEN: '',
      DEPLOY_GITHUB_APP_ID: '31337',
      DEPLOY_GITHUB_APP_PRIVATE_KEY_PATH: appKeyPath,
    }),
  );
  const before = github.requests.length;
  expect((await deploy('staging', 'gh-app', '--ref', 'v7')).code).toBe(0);
  const { states } = await shownOnGitHub('staging', 'gh-app');
  expect(states).toEqual(['queued', 'in_progress', 'success']);
  const asked = github.requests.slice(before);
  expect(asked.some((request) => request.path === `/repos/${REPOSITORY}/installation`)).toBe(true);
  expect(asked.some((request) => /^\/app\/installations\/\d+\/access_tokens$/.test(request.path))).toBe(true);
  const deploymentCalls = asked.filter((request) => request.path.includes('/deployments'));
  expect(deploymentCalls.every((request) => /^token ghs_/.test(request.authorization ?? ''))).toBe(true);
}, 60_000);

test('no credential or setting leaves the worker: not in its log, a history, or an error', async () => {
  workerOutputs.push(worker!.output());
  const secrets = [TOKEN, ...github.tokens, APP_KEY.split('\n')[1]!];
  const ids = await allWorkflowIds(server.client);
  const histories = await Promise.all(
    ids.map(async (id) => JSON.stringify(await server.client.workflow.getHandle(id).fetchHistory())),
  );
  for (const text of [...workerOutputs, ...histories]) {
    for (const secret of secrets) expect(text.includes(secret)).toBe(false);
  }
  // The installation tokens were used: the check above looked for something that exists.
  expect(github.tokens.size).toBeGreaterThan(1);
});

test('a worker without GitHub credentials says so once at start-up and sends nothing', async () => {
  await replaceWorker(() => startTokenWorker({ DEPLOY_GITHUB_TOKEN: '' }));
  expect(worker!.output().match(/GitHub deployments are off/g)).toHaveLength(1);
  const before = github.requests.length;
  expect((await deploy('staging', 'gh-off', '--ref', 'v8')).code).toBe(0);
  expect(github.requests.length).toBe(before);
}, 60_000);

test.each([
  [['--github-repository', 'not a repository'], /invalid GitHub repository "not a repository"/],
  [['--github-repository', 'acme/shop/extra'], /invalid GitHub repository "acme\/shop\/extra"/],
])('deployctl deploy %j: exit 64 naming the value, nothing started', async (args, message) => {
  const result = await cli(['deploy', '--env', 'staging', '--correlation-id', 'gh-bad', ...args]);
  expect(result.code).toBe(64);
  expect(result.stderr).toMatch(message);
  await expect(handleOf('staging', 'gh-bad').describe()).rejects.toThrow(/not found/i);
});

test.each([
  [{ DEPLOY_GITHUB_APP_ID: 'my-app', DEPLOY_GITHUB_APP_PRIVATE_KEY_PATH: 'x' }, /DEPLOY_GITHUB_APP_ID "my-app"/],
  [{ DEPLOY_GITHUB_APP_ID: '1' }, /DEPLOY_GITHUB_APP_ID needs DEPLOY_GITHUB_APP_PRIVATE_KEY/],
  [{ DEPLOY_GITHUB_APP_ID: '1', DEPLOY_GITHUB_APP_PRIVATE_KEY: 'not a key' }, /not a PEM private key/],
  [{ DEPLOY_GITHUB_APP_ID: '1', DEPLOY_GITHUB_APP_PRIVATE_KEY_PATH: '/nonexistent/key.pem' }, /cannot read it/],
])('a worker with GitHub settings %j: exit 64 naming the variable', async (variables, message) => {
  const failed = await startTokenWorker({ DEPLOY_GITHUB_TOKEN: '', ...variables }).then(
    (started) => started.stop().then(() => new Error('the worker started')),
    (err: Error) => err,
  );
  expect(failed.message).toMatch(/worker exited with 64/);
  expect(failed.message).toMatch(message);
});

test.each([
  [{ github: { apiUrl: 'not a url' } }, {}, /github\.apiUrl/],
  [{}, { github: { environmentUrlOutput: '' } }, /environments\.staging\.github\.environmentUrlOutput/],
  [{}, { github: { environment: ' ' } }, /environments\.staging\.github\.environment/],
])('a bad GitHub config %j %j: exit 64 naming the field', async (top, own, message) => {
  const bad = writeConfig({ staging: env(own) }, top);
  const result = await deployctl(['deploy', '--env', 'staging', '--correlation-id', 'gh-bad-config'], {
    ...target(),
    configPath: bad,
  });
  expect(result.code).toBe(64);
  expect(result.stderr).toMatch(message);
});

test('every history of this file replays', async () => {
  const ids = await allWorkflowIds(server.client);
  expect(ids.length).toBeGreaterThanOrEqual(12);
  expect(await replayFailures(server.client, ids)).toEqual([]);
});
