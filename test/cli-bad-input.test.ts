// Every bad input ends deployctl with 64, a message naming the value and why, and nothing started.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployctl } from './helpers/cli';
import { environmentDocument, outcome, runLog, useCoordinator } from './helpers/coordinator';

const environments = { staging: environmentDocument(runLog()) };
const coordinator = useCoordinator(environments);

async function workflowCount(): Promise<number> {
  let count = 0;
  for await (const _execution of coordinator.env.client.workflow.list()) count += 1;
  return count;
}

function badConfig(document: unknown): string {
  const path = join(tmpdir(), `bad-config-${process.hrtime.bigint()}.json`);
  writeFileSync(path, typeof document === 'string' ? document : JSON.stringify(document));
  return path;
}

const cases: Array<{ name: string; args: string[]; says: RegExp; config?: () => string }> = [
  { name: 'environment with capitals', args: ['deploy', '--env', 'Staging'], says: /invalid environment "Staging"/ },
  { name: 'environment with a slash', args: ['deploy', '--env', 'a/b'], says: /invalid environment "a\/b"/ },
  { name: 'environment not in the config', args: ['deploy', '--env', 'qa'], says: /unknown environment "qa"/ },
  {
    name: 'stack starting with a digit',
    args: ['deploy', '--env', 'staging', '--stack', '1Stack'],
    says: /invalid stack "1Stack"/,
  },
  {
    name: 'stack with an underscore',
    args: ['deploy', '--env', 'staging', '--stack', 'My_Stack'],
    says: /invalid stack "My_Stack"/,
  },
  {
    name: 'correlation ID with a space',
    args: ['deploy', '--env', 'staging', '--correlation-id', 'a b'],
    says: /invalid correlation ID "a b"/,
  },
  {
    name: 'correlation ID over 128 characters',
    args: ['deploy', '--env', 'staging', '--correlation-id', 'x'.repeat(129)],
    says: /invalid correlation ID/,
  },
  {
    name: 'unknown priority',
    args: ['deploy', '--env', 'staging', '--priority', 'urgent'],
    says: /'urgent' is invalid.*normal, high/,
  },
  {
    name: 'wait timeout without a unit',
    args: ['deploy', '--env', 'staging', '--wait-timeout', '30'],
    says: /invalid --wait-timeout "30"/,
  },
  {
    name: 'wait timeout that is not a duration',
    args: ['deploy', '--env', 'staging', '--wait-timeout', 'soon'],
    says: /invalid --wait-timeout "soon"/,
  },
  { name: 'run without a command', args: ['run', '--env', 'staging'], says: /missing required argument 'command'/ },
  {
    name: 'run of a program that does not exist',
    args: ['run', '--env', 'staging', '--', 'no-such-deploy-tool', 'up'],
    says: /cannot run "no-such-deploy-tool": not found \(ENOENT\)/,
  },
  {
    name: 'run of a file that is not executable',
    args: ['run', '--env', 'staging', '--', './package.json'],
    says: /cannot run "\.\/package\.json": not executable \(EACCES\)/,
  },
  {
    name: 'run with a bad correlation ID',
    args: ['run', '--env', 'staging', '--correlation-id', 'a;b', '--', 'true'],
    says: /invalid correlation ID "a;b"/,
  },
  { name: 'missing --env', args: ['deploy'], says: /required option '--env <environment>'/ },
  { name: 'unknown option', args: ['deploy', '--env', 'staging', '--force'], says: /unknown option '--force'/ },
  { name: 'unknown command', args: ['destroy'], says: /unknown command 'destroy'/ },
  { name: 'force-release without a reason', args: ['force-release', '--env', 'staging'], says: /--reason/ },
  {
    name: 'force-release with an empty reason',
    args: ['force-release', '--env', 'staging', '--reason', ' '],
    says: /--reason must not be empty/,
  },
  { name: 'status of a bad ID', args: ['status', '--env', 'staging', 'a b'], says: /invalid correlation ID/ },
  {
    name: 'status of an unknown deployment',
    args: ['status', '--env', 'staging', 'never-deployed'],
    says: /deployment never-deployed in environment staging not found/,
  },
  { name: 'cancel of a bad environment', args: ['cancel', '--env', 'PROD', 'x'], says: /invalid environment "PROD"/ },
  {
    name: 'config that is not JSON',
    args: ['deploy', '--env', 'staging'],
    says: /not valid JSON/,
    config: () => badConfig('{ environments: '),
  },
  {
    name: 'ref with a line break',
    args: ['deploy', '--env', 'staging', '--ref', 'main\nfake: line'],
    says: /invalid ref "main\\nfake: line"/,
  },
  {
    name: 'config with an unknown key',
    args: ['deploy', '--env', 'staging'],
    says: /environments\.staging: Unrecognized key: "lockWaitTimout"/,
    config: () => badConfig({ environments: { staging: { ...environments.staging, lockWaitTimout: '5m' } } }),
  },
  {
    name: 'config with a bad duration',
    args: ['deploy', '--env', 'staging'],
    says: /environments\.staging\.lockWaitTimeout: "half an hour" is not a duration/,
    config: () =>
      badConfig({ environments: { staging: { ...environments.staging, lockWaitTimeout: 'half an hour' } } }),
  },
  {
    name: 'config with a bad queue mode',
    args: ['deploy', '--env', 'staging'],
    says: /environments\.staging\.queueMode/,
    config: () => badConfig({ environments: { staging: { ...environments.staging, queueMode: 'lifo' } } }),
  },
  {
    name: 'config with a bad environment name',
    args: ['deploy', '--env', 'staging'],
    says: /environments\.Prod/,
    config: () => badConfig({ environments: { Prod: environments.staging } }),
  },
  {
    name: 'config file that does not exist',
    args: ['deploy', '--env', 'staging', '--config', '/nonexistent/deploy.config.json'],
    says: /cannot read config .*ENOENT/,
  },
];

test.each(cases)('$name: exit 64 and nothing started', async ({ args, says, config }) => {
  const before = await workflowCount();
  const result = await deployctl(args, { ...coordinator.cli, ...(config ? { configPath: config() } : {}) });
  expect(result.code).toBe(64);
  expect(result.stderr).toMatch(says);
  expect(await workflowCount()).toBe(before);
});

test('a bad ref sent by another client: the worker refuses it before it queues', async () => {
  const handle = await coordinator.deploy({ environment: 'staging', correlationId: 'bad-ref', ref: 'v1\u202egnp.exe' });
  expect(await outcome(handle)).toMatchObject({ status: 'failed', errorType: 'BadRequest', queuedMs: null });
  // Named with the bidi override spelled out, so that the message cannot be reordered by it.
  expect((await outcome(handle)).error).toContain('invalid ref "v1\\u202egnp.exe"');
});

test('an unreachable Temporal server exits 69 and names the address', async () => {
  const result = await deployctl(['deploy', '--env', 'staging'], { ...coordinator.cli, address: '127.0.0.1:1' });
  expect(result.code).toBe(69);
  expect(result.stderr).toContain('cannot use Temporal at 127.0.0.1:1 (namespace default)');
});
