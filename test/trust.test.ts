// Who asks, verified, on a worker process: CI ID tokens from a local issuer (its keys served on 127.0.0.1, tokens
// signed as GitHub Actions signs them) checked by the worker, the environments' access rules applied to their claims,
// each token spent once. Refusals exit 77, name the check, and start nothing; no token reaches a log.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from 'jose';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { type CliResult, deployctl, writeConfig } from './helpers/cli';
import { environmentDocument, eventually, Holds, outcome, queueWhen, readRuns, runLog } from './helpers/coordinator';
import { CHANNEL, FakeSlack } from './helpers/slack-server';
import { hmacWithPublicKey, type LocalIssuer, startLocalIssuer, unsignedToken } from './helpers/id-tokens';
import { startServer } from './helpers/server';
import { freePort } from './helpers/ports';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process';
import { allWorkflowIds, replayFailures } from './helpers/replay';
import {
  type DeploymentInput,
  type DeploymentResult,
  type DeploymentState,
  cancelDeploymentSignal,
  forceReleaseSignal,
  type HistoryEntry,
  lockWorkflowId,
  stateQuery,
} from '../src/contract';

const log = runLog();
const taskQueue = 'trust';
const sha = 'a'.repeat(40);
const slack = new FakeSlack();
const holds = new Holds();
let issuer: LocalIssuer;
let server: TestWorkflowEnvironment;
let worker: WorkerProcess | undefined;
let configPath: string;
let metricsUrl: string;
/** Every token this file made: none may appear in a log or in deployctl's output. */
const tokens: string[] = [];
const outputs: string[] = [];

beforeAll(async () => {
  issuer = await startLocalIssuer();
  const slackApiUrl = await slack.start();
  configPath = writeConfig(
    {
      production: environmentDocument(log, {
        slack: { channel: CHANNEL.id },
        access: { identity: 'required', allow: [{ repository: 'acme/app', ref: 'refs/heads/main' }] },
      }),
      staging: environmentDocument(log, { access: { identity: 'optional' } }),
      // Operators: by name where the rules allow one (ana), else verified (on-call from acme/ops).
      ops: environmentDocument(
        log,
        {
          approvals: { required: 1 },
          access: {
            operators: {
              identity: 'optional',
              allow: [
                { actions: ['cancel', 'freeze'], actor: 'ana' },
                { actions: ['cancel', 'forceRelease', 'approve'], repository: 'acme/ops', actor: 'oncall-*' },
              ],
            },
          },
        },
        100,
        holds,
      ),
    },
    { identity: { issuers: [{ issuer: issuer.issuer }] } },
  );
  server = await startServer();
  const metricsAddress = `127.0.0.1:${await freePort()}`;
  metricsUrl = `http://${metricsAddress}/metrics`;
  worker = await startWorkerProcess(configPath, {
    DEPLOY_METRICS_ADDRESS: metricsAddress,
    TEMPORAL_ADDRESS: server.address,
    DEPLOY_TASK_QUEUE: taskQueue,
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_API_URL: slackApiUrl,
  });
});
afterAll(async () => {
  await worker?.stop();
  await server?.teardown();
  await slack.stop();
  await issuer?.close();
});

const target = () => ({ address: server.address, taskQueue, configPath });
async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const result = await deployctl(args, target(), { GITHUB_ACTOR: 'ana', ...env });
  outputs.push(result.stdout, result.stderr);
  return result;
}
async function token(...args: Parameters<LocalIssuer['sign']>): Promise<string> {
  const signed = await issuer.sign(...args);
  tokens.push(signed);
  return signed;
}
const deployWith = (idToken: string, correlationId: string, environment = 'production', ref = sha) =>
  cli(['deploy', '--env', environment, '--correlation-id', correlationId, '--ref', ref, '--json'], {
    DEPLOY_ID_TOKEN: idToken,
  });
const started = (id: string) => readRuns(log).some((run) => run.correlationId === id && run.event === 'start');

test('a valid token deploys to production; the result, status, history and Slack name the verified actor', async () => {
  const deployed = await deployWith(await token(), 'p-good');
  expect(deployed.code).toBe(0);
  const result = JSON.parse(deployed.stdout) as DeploymentResult;
  expect(result).toMatchObject({
    status: 'succeeded',
    requestedBy: 'octocat',
    verified: true,
    identity: { repository: 'acme/app', ref: 'refs/heads/main', sha, actor: 'octocat', issuer: issuer.issuer },
  });
  const status = await cli(['status', 'p-good', '--env', 'production']);
  expect(status.stdout).toContain('requested by: octocat (verified: acme/app@refs/heads/main)');
  const history = JSON.parse((await cli(['history', '--env', 'production', '--json'])).stdout) as HistoryEntry[];
  expect(history.find((entry) => entry.correlationId === 'p-good')).toMatchObject({
    requestedBy: 'octocat',
    verified: true,
  });
  const texts = slack.callsFor('deploy/production/p-good').map((call) => String(call.params.text));
  expect(texts.some((text) => text.includes('requested by octocat (verified: acme/app@refs/heads/main)'))).toBe(true);
  const attributes = (await server.client.workflow.getHandle('deploy/production/p-good').describe())
    .typedSearchAttributes;
  expect(attributes.get({ name: 'RequestedBy', type: 'KEYWORD' })).toBe('octocat');
});

test('--id-token-file and a token asked from GitHub Actions (the audience as asked) are verified alike', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'id-token-')), 'token');
  writeFileSync(file, `${await token()}\n`);
  const withFile = await cli([
    'deploy',
    '--env',
    'production',
    '--correlation-id',
    'p-file2',
    '--id-token-file',
    file,
    '--json',
  ]);
  expect(JSON.parse(withFile.stdout)).toMatchObject({ status: 'succeeded', verified: true });

  const asked: string[] = [];
  const github: Server = createServer((request, response) => {
    asked.push(`${request.headers.authorization ?? ''} ${request.url ?? ''}`);
    const audience = new URL(request.url ?? '/', 'http://x').searchParams.get('audience') ?? '';
    void token({}, { audience }).then((value) => response.end(JSON.stringify({ value })));
  });
  await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(github.address() as AddressInfo).port}/token?api-version=2.0`;
    const env = { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-bearer' };
    const fromGitHub = await cli(['deploy', '--env', 'production', '--correlation-id', 'p-gh', '--json'], env);
    expect(JSON.parse(fromGitHub.stdout)).toMatchObject({
      status: 'succeeded',
      requestedBy: 'octocat',
      verified: true,
    });
    const otherAudience = await cli(
      ['deploy', '--env', 'production', '--correlation-id', 'p-gh2', '--audience', 'elsewhere', '--json'],
      env,
    );
    expect(otherAudience.code).toBe(77);
    expect(JSON.parse(otherAudience.stdout).error).toMatch(/access denied \(audience\)/);
    expect(asked).toEqual([
      'bearer runner-bearer /token?api-version=2.0&audience=deployment-coordinator',
      'bearer runner-bearer /token?api-version=2.0&audience=elsewhere',
    ]);
  } finally {
    github.close();
  }
}, 60_000);

// (Every row names its ref: a row shorter than the test's parameters would pass it Jest's done callback.)
test.each<[string, () => Promise<string>, RegExp, string]>([
  ['no token', async () => '', /access denied \(missing\): production takes verified requests only/, sha],
  [
    'a forged signature',
    async () => token({}, { key: (await generateKeyPair('RS256')).privateKey }),
    /\(signature\)/,
    sha,
  ],
  ['another issuer', async () => token({}, { issuer: 'https://token.example.com' }), /\(issuer\).*not trusted/, sha],
  ['another audience', async () => token({}, { audience: 'other' }), /\(audience\)/, sha],
  ['an expired token', async () => token({}, { issuedAt: Math.floor(Date.now() / 1000) - 900 }), /\(expiry\)/, sha],
  ['alg none', async () => unsignedToken(issuer.issuer), /\(algorithm\)/, sha],
  [
    'HS256 with the public key',
    async () => hmacWithPublicKey(issuer.issuer, issuer.jwks.keys[0]!),
    /\(algorithm\)/,
    sha,
  ],
  ['another repository', async () => token({ repository: 'evil/app' }), /\(rule\).*repository evil\/app/, sha],
  ['another branch', async () => token({ ref: 'refs/heads/feature' }), /\(rule\).*ref refs\/heads\/feature/, sha],
  ['a commit the run did not build', async () => token(), /\(commit\): ref c{40} is a commit/, 'c'.repeat(40)],
])('%s: exit 77 naming the check; nothing started', async (what, make, message, ref) => {
  const id = `p-bad-${what.replace(/\W+/g, '-')}`;
  const refused = await deployWith(await make(), id, 'production', ref);
  expect(refused.code).toBe(77);
  const result = JSON.parse(refused.stdout) as DeploymentResult;
  expect(result).toMatchObject({ status: 'refused', errorType: 'AccessDenied', queuedMs: null, durationMs: null });
  expect(result.error).toMatch(message);
  expect(started(id)).toBe(false);
});

test('a token read from a history cannot start another deployment: each token is spent once', async () => {
  const ids = await allWorkflowIds(server.client);
  const seen = new Set<string>();
  for (const id of ids.filter((workflowId) => workflowId.startsWith('deploy/'))) {
    const history = await server.client.workflow.getHandle(id).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
    const input = payload ? (JSON.parse(Buffer.from(payload).toString()) as DeploymentInput) : undefined;
    if (input?.idToken) seen.add(input.idToken);
  }
  expect(seen.size).toBeGreaterThan(3);
  let index = 0;
  for (const stolen of seen) {
    const id = `p-replay-${(index += 1)}`;
    const replayed = await deployWith(stolen, id);
    expect(replayed.code).toBe(77);
    expect(started(id)).toBe(false);
  }
  // The one that deployed first is refused as spent, by the deployment that spent it.
  const again = await deployWith(tokens[0]!, 'p-replay-first');
  expect(JSON.parse(again.stdout).error).toMatch(
    /access denied \(replay\): this ID token was already used, by deploy\/production\/p-good/,
  );
}, 120_000);

test('staging takes unverified requests, marked unverified wherever shown; a bad token is still refused', async () => {
  const unverified = await cli(['deploy', '--env', 'staging', '--correlation-id', 's-anon', '--json']);
  expect(JSON.parse(unverified.stdout)).toMatchObject({ status: 'succeeded', requestedBy: 'ana', verified: false });
  expect((await cli(['status', 's-anon', '--env', 'staging'])).stdout).toContain('requested by: ana (unverified)');
  expect((await cli(['history', '--env', 'staging'])).stdout).toMatch(/s-anon\s+succeeded.*ana \(unverified\)/);
  const verified = await deployWith(await token(), 's-verified', 'staging');
  expect(JSON.parse(verified.stdout)).toMatchObject({ status: 'succeeded', requestedBy: 'octocat', verified: true });
  const forged = await deployWith(unsignedToken(issuer.issuer), 's-forged', 'staging');
  expect(forged.code).toBe(77);
});

test.each([
  [['--id-token-file', '/nonexistent/token'], {}, /cannot read --id-token-file \/nonexistent\/token: ENOENT/],
  [[], { DEPLOY_ID_TOKEN: 'not a jwt' }, /DEPLOY_ID_TOKEN does not hold a JWT/],
])('deployctl deploy %j with %j: exit 64 naming it, nothing started', async (args, env, message) => {
  const result = await cli(['deploy', '--env', 'staging', '--correlation-id', 's-usage', ...args], env);
  expect(result.code).toBe(64);
  expect(result.stderr).toMatch(message);
  expect(started('s-usage')).toBe(false);
});

describe('operators', () => {
  const status = async (id: string) =>
    (await server.client.workflow.getHandle(`deploy/ops/${id}`).query<DeploymentState>(stateQuery.name)).status;
  const opsToken = () => token({ repository: 'acme/ops', actor: 'oncall-1', ref: 'refs/heads/main' });
  /** Waits for a deployment of ops, detached, to hold the turn with its step running. */
  async function deploying(id: string): Promise<void> {
    holds.hold(id);
    const queued = await cli(['deploy', '--env', 'ops', '--correlation-id', id, '--detach']);
    expect(queued.code).toBe(0);
    const approved = await cli(['approve', id, '--env', 'ops'], { DEPLOY_ID_TOKEN: await opsToken() });
    expect(approved.code).toBe(0);
    await eventually(async () => (started(id) ? true : undefined));
  }

  test('a cancel or force-release the rules do not allow is refused (77), recorded and changes nothing', async () => {
    await deploying('o1');
    const cancel = await cli(['cancel', 'o1', '--env', 'ops', '--by', 'mallory']);
    expect(cancel.code).toBe(77);
    expect(cancel.stderr).toMatch(/o1: refused: no operator rule of ops allows cancel by mallory \(unverified\)/);
    const release = await cli(['force-release', '--env', 'ops', '--reason', 'mine now', '--by', 'mallory']);
    expect(release.code).toBe(77);
    expect(release.stderr).toMatch(/refused: no operator rule of ops allows forceRelease by mallory \(unverified\)/);
    // A verified operator allowed to cancel, but from another repository than the rules name.
    const stranger = await token({ repository: 'acme/app', actor: 'oncall-2' });
    const byStranger = await cli(['cancel', 'o1', '--env', 'ops'], { DEPLOY_ID_TOKEN: stranger });
    expect(byStranger.code).toBe(77);
    expect(byStranger.stderr).toMatch(/allows cancel by the token has .*repository acme\/app.*actor oncall-2/);
    // The lock's signal, sent around deployctl, is decided the same way.
    await server.client.workflow
      .getHandle(lockWorkflowId('ops'))
      .signal(forceReleaseSignal, { reason: 'raw', by: 'mallory' });
    await eventually(async () => (worker!.output().includes('Force-release refused') ? true : undefined));
    // So is the deployment's own cancel signal.
    await server.client.workflow
      .getHandle('deploy/ops/o1')
      .signal(cancelDeploymentSignal, { reason: 'raw', by: 'mallory' });
    await eventually(async () => (worker!.output().includes('Cancel refused') ? true : undefined));

    expect(await status('o1')).toBe('deploying');
    expect((await queueWhen(server, 'ops', () => true)).holder?.workflowId).toBe('deploy/ops/o1');
    const history = await server.client.workflow.getHandle('deploy/ops/o1').fetchHistory();
    const refusals = (history.events ?? []).filter((event) =>
      event.workflowExecutionUpdateCompletedEventAttributes?.outcome?.failure?.message?.includes('mallory'),
    );
    expect(refusals).toHaveLength(1);

    const byAna = await cli(['cancel', 'o1', '--env', 'ops', '--reason', 'wrong build']);
    expect(byAna.code).toBe(0);
    const ended = await eventually(async () => {
      const handle = server.client.workflow.getHandle(`deploy/ops/o1`);
      return (await handle.describe()).status.name === 'RUNNING'
        ? undefined
        : handle.query<DeploymentState>(stateQuery.name);
    });
    expect(ended).toMatchObject({ status: 'cancelled' });
    expect(JSON.stringify(ended)).toContain('ana (unverified)');
    holds.release('o1');
  }, 120_000);

  test('an allowed operator force-releases with its token, named verified; the token is then spent', async () => {
    await deploying('o2');
    const operatorToken = await opsToken();
    const release = await cli(['force-release', '--env', 'ops', '--reason', 'stuck'], {
      DEPLOY_ID_TOKEN: operatorToken,
    });
    expect(release.code).toBe(0);
    const view = await queueWhen(server, 'ops', (queue) => queue.holder?.workflowId !== 'deploy/ops/o2');
    expect(view.holder).toBeNull();
    const again = await cli(['force-release', '--env', 'ops', '--reason', 'again'], { DEPLOY_ID_TOKEN: operatorToken });
    expect(again.code).toBe(77);
    expect(again.stderr).toMatch(/\(replay\)|already used/);
    const result = await outcome(server.client.workflow.getHandle('deploy/ops/o2'));
    expect(result).toMatchObject({ status: 'revoked' });
    expect(JSON.stringify(result)).toContain('oncall-1 (verified)');
    holds.release('o2');
  }, 120_000);

  test('freeze: by a name the rules allow; refused for another, with nothing frozen', async () => {
    const refused = await cli(['freeze', '--env', 'ops', '--reason', 'mine', '--by', 'mallory']);
    expect(refused.code).toBe(77);
    expect(refused.stderr).toMatch(/refused: no operator rule of ops allows freeze by mallory \(unverified\)/);
    expect((await cli(['freezes', '--env', 'ops'])).stdout).toMatch(/^ops: open/);
    const frozen = await cli(['freeze', '--env', 'ops', '--reason', 'release day']);
    expect(frozen.code).toBe(0);
    expect((await cli(['freezes', '--env', 'ops'])).stdout).toMatch(/^ops: frozen.*ana \(unverified\)/);
    expect((await cli(['unfreeze', '--env', 'ops', '--reason', 'done'])).code).toBe(0);
  }, 60_000);

  test('approve: only a verified operator the rules allow', async () => {
    const queued = await cli(['deploy', '--env', 'ops', '--correlation-id', 'o3', '--detach']);
    expect(queued.code).toBe(0);
    const byName = await cli(['approve', 'o3', '--env', 'ops', '--by', 'bo']);
    expect(byName.code).toBe(77);
    expect(byName.stderr).toMatch(/no operator rule of ops allows approve by bo \(unverified\)/);
    const approved = await cli(['approve', 'o3', '--env', 'ops', '--json'], { DEPLOY_ID_TOKEN: await opsToken() });
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout).approvals).toEqual([expect.objectContaining({ by: 'oncall-1' })]);
    const result = await server.client.workflow.getHandle('deploy/ops/o3').result();
    expect(result).toMatchObject({ status: 'succeeded' });
  }, 60_000);
});

test('refusals are logged with the claims and counted; no token is in a log, an output or a Slack message', async () => {
  const output = worker!.output();
  expect(output).toMatch(/"check":"rule","claims":"[^"]*repository evil\/app[^"]*","msg":"Request refused"/);
  const metrics = await (await fetch(metricsUrl)).text();
  expect(metrics).toMatch(/deployment_access_refusals_total\{[^}]*check="rule"[^}]*environment="production"[^}]*\} 2/);
  expect(metrics).toMatch(/deployment_access_refusals_total\{[^}]*check="missing"[^}]*\} 1/);
  // Operators: cancel three times (mallory, the stranger's token, the raw signal), force-release twice (deployctl,
  // the raw signal), the spent token once, approve and freeze once each.
  const operatorRefusals = (action: string, check: string) =>
    new RegExp(
      `deployment_operator_refusals_total\\{(?=[^}]*action="${action}")(?=[^}]*check="${check}")` +
        `(?=[^}]*environment="ops")[^}]*\\} (\\d+)`,
    ).exec(metrics)?.[1];
  expect(operatorRefusals('cancel', 'rule')).toBe('3');
  expect(operatorRefusals('forceRelease', 'rule')).toBe('2');
  expect(operatorRefusals('forceRelease', 'replay')).toBe('1');
  expect(operatorRefusals('approve', 'rule')).toBe('1');
  expect(operatorRefusals('freeze', 'rule')).toBe('1');
  expect(output).toMatch(/"action":"cancel".*"claimedBy":"mallory".*"msg":"Operator refused"/);
  const everything = [output, ...outputs, ...slack.calls.map((call) => JSON.stringify(call.params))].join('\n');
  const leaked = tokens.filter((signed) => everything.includes(signed) || everything.includes(signed.split('.')[2]!));
  expect(leaked).toEqual([]);
});

test('every history of this file replays', async () => {
  const ids = await allWorkflowIds(server.client);
  expect(await replayFailures(server.client, ids)).toEqual([]);
});
