// deploy.config.json: the defaults it fills in, how cdk and Slack settings resolve, and the errors bad documents give.
import { ConfigError, parseConfig } from '../../src/config/deploy-config';

type Document = { [key: string]: unknown; environments: Record<string, Record<string, unknown>> };
const command = { type: 'command', command: ['./scripts/deploy.sh'] };
const document = (staging: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Document => ({
  ...top,
  environments: { staging: { stackName: 'Api-Staging', deploy: command, ...staging } },
});

test('a minimal command environment gets every default', () => {
  expect(parseConfig(document())).toStrictEqual({
    environments: {
      staging: {
        environment: 'staging',
        notifyTimeoutMs: 30_000,
        stackName: 'Api-Staging',
        lockWaitTimeoutMs: 30 * 60_000,
        expectedDurationMs: 30 * 60_000,
        queueMode: 'queue',
        livenessCheckIntervalMs: 60_000,
        idleLockTimeoutMs: 15 * 60_000,
        deployTimeoutMs: 2 * 3_600_000,
        runnerHeartbeatTimeoutMs: 60_000,
        deploy: {
          type: 'command',
          command: ['./scripts/deploy.sh'],
          killGracePeriodMs: 10_000,
          heartbeatTimeoutMs: 30_000,
        },
        // (The worker passes it on only when it has GitHub credentials.)
        github: { environment: 'staging', transient: false },
      },
    },
    access: {},
    awsRoles: {},
    github: { apiUrl: 'https://api.github.com' },
  });
});

test('identity: trusted issuers with their defaults; access per environment', () => {
  const issuer = 'https://token.actions.githubusercontent.com';
  const parsed = parseConfig({
    identity: {
      issuers: [{ issuer }, { issuer: 'https://gitlab.example.com', audience: 'deploys', maxLifetime: '2h' }],
    },
    environments: {
      production: {
        ...document().environments.staging,
        access: { identity: 'required', allow: [{ ref: 'refs/heads/main' }] },
      },
      staging: { ...document().environments.staging, access: {} },
      dev: document().environments.staging,
    },
  });
  expect(parsed.issuers).toEqual([
    { issuer, audience: 'deployment-coordinator', maxLifetimeMs: 3_600_000 },
    { issuer: 'https://gitlab.example.com', audience: 'deploys', maxLifetimeMs: 7_200_000 },
  ]);
  expect(parsed.access).toEqual({
    production: { identity: 'required', allow: [{ ref: 'refs/heads/main' }], matchCommit: true },
    staging: { identity: 'optional', matchCommit: true },
  });
});

test('operators: verified by default; known by name alone, without issuers, where identity is optional', () => {
  const operators = { identity: 'optional', allow: [{ actions: ['cancel', 'freeze'], actor: 'ana' }] };
  const parsed = parseConfig({
    environments: { staging: { ...document().environments.staging, access: { operators } } },
  });
  expect(parsed.access.staging).toEqual({ identity: 'optional', matchCommit: true, operators });
  const verified = parseConfig({
    identity: { issuers: [{ issuer: 'https://a.example' }] },
    environments: {
      staging: { ...document().environments.staging, access: { operators: { allow: [{ repository: 'acme/*' }] } } },
    },
  });
  expect(verified.access.staging?.operators).toEqual({ identity: 'required', allow: [{ repository: 'acme/*' }] });
});

test.each([
  [
    {},
    { bake: { duration: '4h', alarms: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx'] } },
    /staging\.bake\.duration: must be from 1s to 3h/,
  ],
  [
    {},
    { bake: { duration: 'soon', alarms: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx'] } },
    /staging\.bake\.duration: "soon" is not a duration/,
  ],
  [{}, { bake: { duration: '10m', alarms: [] } }, /staging\.bake\.alarms: name at least one alarm/],
  [{}, { bake: { duration: '10m', alarms: ['api-5xx'] } }, /staging\.bake\.alarms\.0: must be a CloudWatch alarm ARN/],
  [
    {},
    {
      bake: { duration: '10m', alarms: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx'], onAlarm: 'panic' },
    },
    /staging\.bake\.onAlarm/,
  ],
  [{}, { access: { identity: 'required' } }, /environments\.staging\.access: needs the issuers it trusts/],
  [{ identity: { issuers: [] } }, {}, /identity\.issuers: list at least one issuer/],
  [{ identity: { issuers: [{ issuer: 'not a url' }] } }, {}, /identity\.issuers\.0\.issuer/],
  [
    { identity: { issuers: [{ issuer: 'https://a.example', maxLifetime: '2d' }] } },
    {},
    /maxLifetime: "2d" is not a duration of at most 12h/,
  ],
  [
    { identity: { issuers: [{ issuer: 'https://a.example', jwksUri: 'https://a.example/k', jwksFile: 'k.json' }] } },
    {},
    /jwksFile: give jwksUri or jwksFile, not both/,
  ],
  [
    { identity: { issuers: [{ issuer: 'https://a.example' }, { issuer: 'https://a.example' }] } },
    {},
    /an issuer is listed twice/,
  ],
  [
    { identity: { issuers: [{ issuer: 'https://a.example' }] } },
    { access: { allow: [{}] } },
    /access\.allow\.0: a rule names at least one claim/,
  ],
  [{ identity: { issuers: [{ issuer: 'https://a.example' }] } }, { access: { identity: 'maybe' } }, /access\.identity/],
  [{}, { access: { operators: { allow: [{ actor: 'ana' }] } } }, /staging\.access: needs the issuers it trusts/],
  [
    { identity: { issuers: [{ issuer: 'https://a.example' }] } },
    { access: { operators: { allow: [{ actions: ['cancel'] }] } } },
    /access\.operators\.allow\.0: a rule names at least one claim/,
  ],
  [
    { identity: { issuers: [{ issuer: 'https://a.example' }] } },
    { access: { operators: { allow: [{ actions: ['deploy'], actor: 'ana' }] } } },
    /access\.operators\.allow\.0\.actions\.0/,
  ],
  [{ identity: { issuers: [{ issuer: 'https://a.example' }] } }, { access: { operators: {} } }, /operators\.allow/],
])('a bad identity config %j %j is refused, naming the field', (top, own, message) => {
  const environments = { staging: { ...document().environments.staging, ...own } };
  expect(() => parseConfig({ ...top, environments })).toThrow(message);
});

test('a runner environment: deploys on the CI runner only, with its own heartbeat timeout', () => {
  const config = parseConfig(document({ deploy: { type: 'runner' }, runnerHeartbeatTimeout: '2m' }));
  expect(config.environments.staging).toMatchObject({ deploy: { type: 'runner' }, runnerHeartbeatTimeoutMs: 120_000 });
  expect(() => parseConfig(document({ deploy: { type: 'runner', command: ['x'] } }))).toThrow(
    'environments.staging.deploy: Unrecognized key: "command"',
  );
  expect(() => parseConfig(document({ runnerHeartbeatTimeout: 'a minute' }))).toThrow(
    'environments.staging.runnerHeartbeatTimeout: "a minute" is not a duration',
  );
});

test('values given replace the defaults', () => {
  const config = parseConfig(
    document({
      lockWaitTimeout: '1h',
      expectedDuration: '1.5m',
      queueMode: 'supersede',
      livenessCheckInterval: '15s',
      deployTimeout: '45m',
      deploy: { ...command, cwd: '/srv/app', killGracePeriod: '5s', heartbeatTimeout: '1m' },
    }),
  );
  expect(config.environments.staging).toMatchObject({
    lockWaitTimeoutMs: 3_600_000,
    expectedDurationMs: 90_000,
    queueMode: 'supersede',
    livenessCheckIntervalMs: 15_000,
    deployTimeoutMs: 2_700_000,
    deploy: {
      type: 'command',
      command: ['./scripts/deploy.sh'],
      cwd: '/srv/app',
      killGracePeriodMs: 5_000,
      heartbeatTimeoutMs: 60_000,
    },
  });
});

test('a cdk environment always watches its stack, with the default cloudformation settings', () => {
  const settings = parseConfig(document({ deploy: { type: 'cdk' } })).environments.staging;
  expect(settings?.deploy).toStrictEqual({ type: 'cdk', killGracePeriodMs: 30_000, heartbeatTimeoutMs: 30_000 });
  expect(settings?.cloudformation).toStrictEqual({
    pollIntervalMs: 30_000,
    stallThresholdMs: 600_000,
    stallAction: 'notify',
    stallCancelAfterMs: 600_000,
    continueUpdateRollback: false,
  });
});

test('a cloudformation block given is used as written, for command environments too', () => {
  const settings = parseConfig(
    document({
      cloudformation: {
        region: 'eu-west-2',
        endpoint: 'http://localhost:5000',
        pollInterval: '5s',
        stallThreshold: '2m',
        stallAction: 'cancel',
        stallCancelAfter: '1m',
        continueUpdateRollback: true,
      },
    }),
  ).environments.staging;
  expect(settings?.cloudformation).toStrictEqual({
    region: 'eu-west-2',
    endpoint: 'http://localhost:5000',
    pollIntervalMs: 5_000,
    stallThresholdMs: 120_000,
    stallAction: 'cancel',
    stallCancelAfterMs: 60_000,
    continueUpdateRollback: true,
  });
  const cdk = parseConfig(document({ deploy: { type: 'cdk' }, cloudformation: { pollInterval: '10s' } }));
  expect(cdk.environments.staging?.cloudformation).toMatchObject({ pollIntervalMs: 10_000, stallAction: 'notify' });
});

test("an environment's Slack channel overrides the top-level one", () => {
  const config = parseConfig({
    slack: { channel: '#deploys', notifyTimeout: '10s' },
    environments: {
      staging: { stackName: 'Api-Staging', deploy: command },
      production: { stackName: 'Api', deploy: command, slack: { channel: 'C0123ABCD' } },
    },
  });
  expect(config.environments.staging?.slackChannel).toBe('#deploys');
  expect(config.environments.production?.slackChannel).toBe('C0123ABCD');
  expect(config.environments.production?.notifyTimeoutMs).toBe(10_000);
  const onlyOwn = parseConfig(document({ slack: { channel: 'prod-deploys' } }));
  expect(onlyOwn.environments.staging?.slackChannel).toBe('prod-deploys');
  expect(parseConfig(document())).not.toHaveProperty('environments.staging.slackChannel');
});

const withProduction = (d: Document) => ({
  ...d,
  environments: { ...d.environments, Production: { stackName: 'Api', deploy: command } },
});

test.each<[string, unknown, string]>([
  [
    'an uppercase environment name',
    withProduction(document()),
    'deploy.config.json: environments.Production: environment names use lowercase letters, digits and "-"',
  ],
  [
    'a bad stack name',
    document({ stackName: '1Api_Staging' }),
    'deploy.config.json: environments.staging.stackName: must be a CloudFormation stack name',
  ],
  [
    'an unknown key in an environment',
    document({ lockTimeout: '5m' }),
    'deploy.config.json: environments.staging: Unrecognized key: "lockTimeout"',
  ],
  [
    'an unknown top-level key',
    document({}, { extra: true }),
    'deploy.config.json: (top level): Unrecognized key: "extra"',
  ],
  [
    'an unknown key in deploy',
    document({ deploy: { ...command, shell: true } }),
    'deploy.config.json: environments.staging.deploy: Unrecognized key: "shell"',
  ],
  [
    'a duration without a unit',
    document({ lockWaitTimeout: '30' }),
    'deploy.config.json: environments.staging.lockWaitTimeout: "30" is not a duration: ' +
      'use a number and a unit, e.g. 30s, 10m, 1h',
  ],
  [
    'a zero duration',
    document({}, { slack: { notifyTimeout: '0s' } }),
    'deploy.config.json: slack.notifyTimeout: "0s" is not a duration',
  ],
  [
    'an empty command',
    document({ deploy: { type: 'command', command: [] } }),
    'deploy.config.json: environments.staging.deploy.command: give at least the program to run',
  ],
  [
    'an empty argument',
    document({ deploy: { type: 'command', command: ['./deploy.sh', ''] } }),
    'deploy.config.json: environments.staging.deploy.command.1: an argument must not be empty',
  ],
  [
    'an unknown deploy type',
    document({ deploy: { type: 'helm' } }),
    'deploy.config.json: environments.staging.deploy.type: ',
  ],
  [
    'a bad Slack channel',
    document({}, { slack: { channel: 'Deploys Channel' } }),
    'deploy.config.json: slack.channel: must be a channel name like #deploys or a channel ID',
  ],
  [
    'a bad stall action',
    document({ cloudformation: { stallAction: 'rollback' } }),
    'deploy.config.json: environments.staging.cloudformation.stallAction: ',
  ],
  ['a missing stack name', document({ stackName: undefined }), 'deploy.config.json: environments.staging.stackName: '],
  ['not an object', 'staging', 'deploy.config.json: (top level): '],
])('%s is a ConfigError naming the field', (_, bad, message) => {
  let error: unknown;
  try {
    parseConfig(bad, 'deploy.config.json');
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).name).toBe('ConfigError');
  expect((error as ConfigError).message.slice(0, message.length)).toBe(message);
});

test('without a source the message starts with "config"', () => {
  expect(() => parseConfig({})).toThrow(/^config: environments: /);
});
