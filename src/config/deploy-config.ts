import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseDuration } from '../domain/durations';
import { ENVIRONMENT_NAME_PATTERN, quoted, STACK_NAME_PATTERN } from '../contract/names';
import type { DeploySettings, EnvironmentSettings } from '../contract/settings';

export const DEFAULT_CONFIG_FILE = 'deploy.config.json';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const duration = z.string().transform((text, ctx) => {
  const value = parseDuration(text);
  if (value === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `${quoted(text)} is not a duration: use a number and a unit, e.g. 30s, 10m, 1h`,
    });
    return z.NEVER;
  }
  return value;
});

const commandDeploy = z.strictObject({
  type: z.literal('command'),
  command: z.array(z.string().min(1, 'an argument must not be empty')).min(1, 'give at least the program to run'),
  cwd: z.string().min(1).optional(),
  killGracePeriod: duration.prefault('10s'),
  heartbeatTimeout: duration.prefault('30s'),
});

const cdkDeploy = z.strictObject({
  type: z.literal('cdk'),
  killGracePeriod: duration.prefault('30s'),
  heartbeatTimeout: duration.prefault('30s'),
});

const runnerDeploy = z.strictObject({ type: z.literal('runner') });

const slackChannel = z
  .string()
  .regex(/^(#?[a-z0-9][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{6,})$/, 'must be a channel name like #deploys or a channel ID');

const cloudformation = z.strictObject({
  region: z.string().min(1).optional(),
  endpoint: z.url().optional(),
  pollInterval: duration.prefault('30s'),
  stallThreshold: duration.prefault('10m'),
  stallAction: z.enum(['notify', 'cancel']).default('notify'),
  stallCancelAfter: duration.prefault('10m'),
  continueUpdateRollback: z.boolean().default(false),
});

const environment = z.strictObject({
  slack: z.strictObject({ channel: slackChannel }).optional(),
  stackName: z
    .string()
    .regex(STACK_NAME_PATTERN, 'must be a CloudFormation stack name (letters, digits, "-"; a letter first)'),
  lockWaitTimeout: duration.prefault('30m'),
  expectedDuration: duration.prefault('30m'),
  queueMode: z.enum(['queue', 'supersede']).default('queue'),
  livenessCheckInterval: duration.prefault('60s'),
  deployTimeout: duration.prefault('2h'),
  runnerHeartbeatTimeout: duration.prefault('60s'),
  deploy: z.discriminatedUnion('type', [commandDeploy, cdkDeploy, runnerDeploy]),
  cloudformation: cloudformation.optional(),
});

const configSchema = z.strictObject({
  $schema: z.string().optional(),
  slack: z.strictObject({ channel: slackChannel.optional(), notifyTimeout: duration.prefault('30s') }).prefault({}),
  environments: z.record(
    z.string().regex(ENVIRONMENT_NAME_PATTERN, 'environment names use lowercase letters, digits and "-"'),
    environment,
  ),
});

function deploySettings(deploy: z.infer<typeof environment>['deploy']): DeploySettings {
  switch (deploy.type) {
    case 'command':
      return {
        type: deploy.type,
        command: deploy.command,
        ...(deploy.cwd === undefined ? {} : { cwd: deploy.cwd }),
        killGracePeriodMs: deploy.killGracePeriod,
        heartbeatTimeoutMs: deploy.heartbeatTimeout,
      };
    case 'cdk':
      return {
        type: deploy.type,
        killGracePeriodMs: deploy.killGracePeriod,
        heartbeatTimeoutMs: deploy.heartbeatTimeout,
      };
    case 'runner':
      return { type: deploy.type };
  }
}

export interface DeployConfig {
  environments: Record<string, EnvironmentSettings>;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
  // A record key that fails its check arrives wrapped ("Invalid key in record"): the key's own rule says why.
  const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  return `${where}: ${message}`;
}

/** Validates a parsed config document; throws ConfigError naming the first bad field. */
export function parseConfig(document: unknown, source = 'config'): DeployConfig {
  const result = configSchema.safeParse(document);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new ConfigError(`${source}: ${first ? describeIssue(first) : 'invalid'}`);
  }
  const environments: Record<string, EnvironmentSettings> = {};
  for (const [name, env] of Object.entries(result.data.environments)) {
    const channel = env.slack?.channel ?? result.data.slack.channel;
    // A cdk environment always watches its stack: the defaults apply when the block is left out.
    const stackConfig = env.cloudformation ?? (env.deploy.type === 'cdk' ? cloudformation.parse({}) : undefined);
    environments[name] = {
      environment: name,
      ...(channel === undefined ? {} : { slackChannel: channel }),
      notifyTimeoutMs: result.data.slack.notifyTimeout,
      stackName: env.stackName,
      lockWaitTimeoutMs: env.lockWaitTimeout,
      expectedDurationMs: env.expectedDuration,
      queueMode: env.queueMode,
      livenessCheckIntervalMs: env.livenessCheckInterval,
      deployTimeoutMs: env.deployTimeout,
      runnerHeartbeatTimeoutMs: env.runnerHeartbeatTimeout,
      deploy: deploySettings(env.deploy),
      ...(stackConfig
        ? {
            cloudformation: {
              ...(stackConfig.region ? { region: stackConfig.region } : {}),
              ...(stackConfig.endpoint ? { endpoint: stackConfig.endpoint } : {}),
              pollIntervalMs: stackConfig.pollInterval,
              stallThresholdMs: stackConfig.stallThreshold,
              stallAction: stackConfig.stallAction,
              stallCancelAfterMs: stackConfig.stallCancelAfter,
              continueUpdateRollback: stackConfig.continueUpdateRollback,
            },
          }
        : {}),
    };
  }
  return { environments };
}

/** The config path: an explicit one, else DEPLOY_CONFIG, else deploy.config.json in the working directory. */
export function configPath(explicit?: string): string {
  return resolve(explicit ?? process.env.DEPLOY_CONFIG ?? DEFAULT_CONFIG_FILE);
}

export function loadConfig(path: string): DeployConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON: ${(err as Error).message}`);
  }
  return parseConfig(document, path);
}
