import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { EnvironmentCalendar, TimeWindow } from '../contract/calendar';
import { cronProblem, HORIZON_MS, opensAt } from '../domain/calendar';
import { DURATION_PATTERN, parseDuration } from '../domain/durations';
import { present } from '../domain/present';
import { ENVIRONMENT_NAME_PATTERN, quoted, STACK_NAME_PATTERN } from '../contract/names';
import type { DeploySettings, EnvironmentSettings } from '../contract/settings';
import type { EnvironmentAccess } from '../contract/identity';
import {
  accessSchema,
  type AwsRole,
  awsRoleSchema,
  identitySchema,
  type TrustedIssuer,
  trustedIssuers,
} from './identity-config';

export const DEFAULT_CONFIG_FILE = 'deploy.config.json';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A short description of a field, for the JSON Schema and the generated reference (docs/configuration.md). */
const about = (description: string) => ({ description });

const duration = z
  .string()
  .transform((text, ctx) => {
    const value = parseDuration(text);
    if (value === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${quoted(text)} is not a duration: use a number and a unit, e.g. 30s, 10m, 1h`,
      });
      return z.NEVER;
    }
    return value;
  })
  // (For editors: the transform above is what checks it.)
  .meta({ pattern: DURATION_PATTERN.source, examples: ['30s', '10m', '1h'] });

const heartbeatTimeout = duration
  .prefault('30s')
  .meta(about('A worker silent this long during the deploy step is taken as lost, and the step fails.'));

const commandDeploy = z
  .strictObject({
    type: z.literal('command'),
    command: z
      .array(z.string().min(1, 'an argument must not be empty'))
      .min(1, 'give at least the program to run')
      .meta(
        about(
          'argv, run without a shell, with CORRELATION_ID, DEPLOY_ENVIRONMENT, STACK_NAME and DEPLOY_REF in its ' +
            "environment; its output goes to the worker's log.",
        ),
      ),
    cwd: z.string().min(1).optional().meta(about("The command's working directory (default: the worker's).")),
    killGracePeriod: duration
      .prefault('10s')
      .meta(about("On cancel, the time between SIGTERM and SIGKILL of the command's process group.")),
    heartbeatTimeout,
  })
  .meta(about('The worker runs a deploy command.'));

const cdkDeploy = z
  .strictObject({
    type: z.literal('cdk'),
    killGracePeriod: duration
      .prefault('30s')
      .meta(about('On cancel, the time between SIGTERM and SIGKILL of `cdk deploy` preparing the change set.')),
    heartbeatTimeout,
  })
  .meta(
    about(
      'The worker deploys a cloud assembly CI synthesized (deployctl deploy --assembly): it prepares a change set ' +
        'named after the correlation ID with the CDK CLI, then executes it once.',
    ),
  );

const runnerDeploy = z
  .strictObject({ type: z.literal('runner') })
  .meta(
    about('Only runner-side deploys: deployctl run (or the action with mode: run) runs the step on the CI runner.'),
  );

/** An instant with its offset (2026-12-24T00:00:00+01:00 or ...Z), as epoch milliseconds. */
const instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 time with its offset, e.g. 2026-12-24T00:00:00+01:00' })
  .transform((text) => Date.parse(text));

/** A window: recurring (cron, duration, timezone) or one-off (from, until). */
function timeWindow(reason: z.ZodType<string | undefined>) {
  return z
    .strictObject({
      cron: z
        .string()
        .optional()
        .meta(
          about('When it opens, as a cron expression (minute hour day-of-month month day-of-week), read in timezone.'),
        ),
      duration: duration.optional().meta(about('How long it stays open each time (with cron).')),
      timezone: z.string().optional().meta(about('The IANA time zone of cron (Europe/Berlin, UTC).')),
      from: instant.optional().meta(about('A one-off window: when it begins (ISO 8601 with its offset).')),
      until: instant.optional().meta(about('A one-off window: when it ends (ISO 8601 with its offset).')),
      reason,
    })
    .superRefine((window, ctx) => {
      const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
      const recurring = window.cron !== undefined || window.duration !== undefined || window.timezone !== undefined;
      const once = window.from !== undefined || window.until !== undefined;
      if (recurring && once) return problem('from', 'give either cron, duration and timezone, or from and until');
      if (once) {
        if (window.from === undefined) return problem('from', 'a one-off window needs from and until');
        if (window.until === undefined) return problem('until', 'a one-off window needs from and until');
        if (window.until <= window.from) return problem('until', 'must be after from');
        return;
      }
      if (window.cron === undefined) return problem('cron', 'give cron, duration and timezone, or from and until');
      if (window.duration === undefined) return problem('duration', 'a recurring window needs a duration');
      if (window.timezone === undefined) return problem('timezone', 'a recurring window needs a timezone');
      const cron = cronProblem(window.cron, window.timezone);
      if (cron !== undefined) problem(cron.includes('time zone') ? 'timezone' : 'cron', cron);
    })
    .transform((window): TimeWindow => {
      const reasonOf = present({ reason: window.reason });
      return window.from !== undefined && window.until !== undefined
        ? { from: window.from, until: window.until, ...reasonOf }
        : { cron: window.cron!, durationMs: window.duration!, timezone: window.timezone!, ...reasonOf };
    });
}

const reasonText = z
  .string({ error: (issue) => (issue.input === undefined ? 'give a reason: people see it while they wait' : 'text') })
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'at most 200 characters');
const freezeWindows = z
  .array(timeWindow(reasonText.meta(about('Why: shown wherever a request waits for it.')) as z.ZodType<string>))
  .meta(about('Deny windows: the environment is closed inside each. Requests wait in order and run when it opens.'));
const deployWindows = z
  .array(timeWindow(reasonText.optional().meta(about('What the window is, for people.'))))
  .meta(about('Allow windows: when given, the environment is closed outside all of them.'));

const slackChannel = z
  .string()
  .regex(/^(#?[a-z0-9][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{6,})$/, 'must be a channel name like #deploys or a channel ID')
  .meta(about('A Slack channel name (#deploys) or ID (C0123456789).'));

const cloudformation = z
  .strictObject({
    region: z.string().min(1).optional().meta(about("Where the stack is (default: the worker's AWS_REGION).")),
    endpoint: z.url().optional().meta(about('A local CloudFormation endpoint, for tests (default: AWS_ENDPOINT_URL).')),
    pollInterval: duration
      .prefault('30s')
      .meta(about('How often the stack and its new events are read while deploying.')),
    stallThreshold: duration
      .prefault('10m')
      .meta(about('No new stack events for this long while in progress: a stall notice (once per threshold).')),
    stallAction: z
      .enum(['notify', 'cancel'])
      .default('notify')
      .meta(about('cancel: also cancel the update once it has stalled for stallCancelAfter more.')),
    stallCancelAfter: duration.prefault('10m').meta(about('The further bound before a stalled update is cancelled.')),
    continueUpdateRollback: z
      .boolean()
      .default(false)
      .meta(about('Let preflight run ContinueUpdateRollback on a stack stuck in UPDATE_ROLLBACK_FAILED.')),
  })
  .meta(
    about(
      'The stack is checked before, watched during and left stable after every deployment (always for cdk ' +
        'environments, with these defaults).',
    ),
  );

const promotion = z
  .strictObject({
    from: z
      .union([z.string(), z.array(z.string()).min(1, 'name at least one environment')])
      .transform((from) => (typeof from === 'string' ? [from] : from))
      .meta(about('The upstream environment (or environments) a ref must have succeeded in first.')),
    soak: duration
      .optional()
      .meta(about('How long ago, at least, the ref must have succeeded upstream when its turn comes (default: 0).')),
    maxAge: duration.optional().meta(about('How long ago, at most, the ref may have succeeded upstream.')),
  })
  .meta(
    about(
      'Only refs that succeeded upstream deploy here (exit 5 otherwise); a ref still soaking waits in the queue. ' +
        'deployctl promote picks the ref.',
    ),
  );

const approvals = z
  .strictObject({
    required: z.number().int().min(1).max(10).default(1).meta(about('How many approvals a deployment needs.')),
    approvers: z
      .array(z.string().regex(/^(?=.*\S)[^\p{Cc}]{1,100}$/u, 'must be a name (1 to 100 characters)'))
      .min(1, 'list at least one approver, or leave approvers out (anyone may approve)')
      .optional()
      .meta(about('Who may approve (CI actors or user names); left out: anyone.')),
    allowSelf: z.boolean().default(false).meta(about('Whether the requester may approve their own deployment.')),
    expires: duration
      .prefault('4h')
      .meta(about('How long an approval counts; one that expires before the turn is void.')),
  })
  .meta(
    about(
      'Deployments wait for approval (deployctl approve) without holding the environment: approved ones behind ' +
        'them go first.',
    ),
  );

const ALARM_ARN = /^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:.{1,255}$/;

const bake = z
  .strictObject({
    duration: duration
      .refine((ms) => ms >= 1000 && ms <= 3 * 3_600_000, 'must be from 1s to 3h')
      .meta(about('How long a deployment keeps the turn after its deploy step, watching the alarms.')),
    alarms: z
      .array(
        z.string().regex(ALARM_ARN, 'must be a CloudWatch alarm ARN (arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME)'),
      )
      .min(1, 'name at least one alarm')
      .max(100, 'at most 100 alarms')
      .meta(about("The CloudWatch alarms watched, by ARN; read as the environment's AWS role where it has one.")),
    onAlarm: z
      .enum(['freeze', 'rollback'])
      .default('freeze')
      .meta(
        about(
          'An alarm during the bake fails the deployment, then: freeze (the environment, until unfrozen), or ' +
            'rollback (queue a rollback to the last good deployment, ahead of the others; freeze if there is none ' +
            'or it fails).',
        ),
      ),
    pollInterval: duration.prefault('30s').meta(about('How often the alarms are read.')),
  })
  .meta(
    about(
      'A bake: after the deploy step the deployment keeps the turn for its duration, failing (BakeAlarm) and ' +
        'freezing the environment if an alarm fires; an alarm in ALARM when the turn comes holds it back.',
    ),
  );

const githubEnvironment = z
  .strictObject({
    environment: z
      .string()
      .regex(/^(?=.*\S)[^\p{Cc}]{1,255}$/u, 'must be a GitHub environment name (1 to 255 characters)')
      .optional()
      .meta(about("The GitHub environment's name (default: this environment's own).")),
    environmentUrlOutput: z
      .string()
      .regex(/^[A-Za-z0-9]{1,255}$/, 'must be a stack output name (letters and digits)')
      .optional()
      .meta(about("The stack output whose value is the GitHub deployment's environment URL.")),
    transient: z
      .boolean()
      .default(false)
      .meta(about('A preview environment that goes away: GitHub marks its deployments inactive when it is gone.')),
  })
  .meta(about('How deployments of this environment show on GitHub (docs/github.md).'));

const environment = z
  .strictObject({
    slack: z
      .strictObject({ channel: slackChannel })
      .optional()
      .meta(about("This environment's Slack channel, instead of the top-level one.")),
    stackName: z
      .string()
      .regex(STACK_NAME_PATTERN, 'must be a CloudFormation stack name (letters, digits, "-"; a letter first)')
      .meta(about('The stack deployed; deployctl --stack overrides it per request.')),
    lockWaitTimeout: duration
      .prefault('30m')
      .meta(about('How long a deployment waits for its turn before giving up (exit 2); --wait-timeout overrides it.')),
    expectedDuration: duration
      .prefault('30m')
      .meta(about('For ETAs until real durations are known (then the median of the last 20).')),
    queueMode: z
      .enum(['queue', 'supersede'])
      .default('queue')
      .meta(
        about(
          'queue: first come, first served. supersede: a new request replaces the one waiting, which ends ' +
            'superseded (only the newest deploys).',
        ),
      ),
    livenessCheckInterval: duration
      .prefault('60s')
      .meta(about("How often the queue checks that its holder's workflow is still running.")),
    idleLockTimeout: duration
      .prefault('15m')
      .meta(
        about(
          "How long the environment's queue stays running with nothing to do (no holder, nobody waiting or " +
            'scheduled, no freeze by hand, no windows) before it ends; the next request starts it again.',
        ),
      ),
    deployTimeout: duration.prefault('2h').meta(about("The deploy step's own time limit.")),
    runnerHeartbeatTimeout: duration
      .prefault('60s')
      .meta(about('deployctl run: a runner silent this long is taken as lost, and the turn goes on.')),
    deploy: z
      .discriminatedUnion('type', [commandDeploy, cdkDeploy, runnerDeploy])
      .meta(about('How the deploy step runs: command, cdk or runner.')),
    cloudformation: cloudformation.optional(),
    freeze: freezeWindows.optional().meta(about("This environment's freeze windows, besides the top-level ones.")),
    deployWindows: deployWindows
      .optional()
      .meta(about("This environment's deploy windows, instead of the top-level ones.")),
    allowFreezeOverride: z
      .boolean()
      .default(false)
      .meta(about('Let deployctl deploy --override-freeze --reason R deploy while the environment is closed.')),
    promotion: promotion.optional(),
    approvals: approvals.optional(),
    access: accessSchema.optional(),
    aws: awsRoleSchema.optional(),
    github: githubEnvironment.optional(),
    bake: bake.optional(),
  })
  .meta(about('One environment: one deployment at a time, queued.'));

/** The schema of deploy.config.json; the JSON Schema and docs/configuration.md are generated from it. */
export const configSchema = z
  .strictObject({
    $schema: z.string().optional().meta(about('The JSON Schema, for editors: deploy.config.schema.json.')),
    slack: z
      .strictObject({
        channel: slackChannel.optional().meta(about('The default channel of every environment.')),
        notifyTimeout: duration
          .prefault('30s')
          .meta(about('The longest one notification may take, retries included; Slack never holds a deployment.')),
      })
      .prefault({})
      .meta(about('Slack notifications (the worker needs SLACK_BOT_TOKEN; without it notices go to its log).')),
    freeze: freezeWindows.optional().meta(about('Freeze windows of every environment (a company-wide change freeze).')),
    deployWindows: deployWindows.optional().meta(about('Deploy windows of every environment that gives none.')),
    identity: identitySchema.optional(),
    github: z
      .strictObject({
        apiUrl: z
          .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
          .default('https://api.github.com')
          .meta(about("GitHub's REST API: GitHub Enterprise Server's is https://HOST/api/v3.")),
      })
      .prefault({})
      .meta(
        about(
          'GitHub deployments of requests from a GitHub repository (the worker needs DEPLOY_GITHUB_TOKEN or a ' +
            'GitHub App: docs/github.md).',
        ),
      ),
    environments: z
      .record(
        z.string().regex(ENVIRONMENT_NAME_PATTERN, 'environment names use lowercase letters, digits and "-"'),
        environment,
      )
      .meta(about('The environments, by name (lowercase letters, digits and "-").')),
  })
  .meta({ title: 'deployment-coordinator config (deploy.config.json)' });

function deploySettings(deploy: z.infer<typeof environment>['deploy']): DeploySettings {
  switch (deploy.type) {
    case 'command':
      return {
        type: deploy.type,
        command: deploy.command,
        ...present({ cwd: deploy.cwd }),
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
  /** The ID token issuers the worker trusts; without them, every request is unverified. */
  issuers?: TrustedIssuer[];
  /** Who may deploy to each environment that has an access block (the worker checks it; histories never carry it). */
  access: Record<string, EnvironmentAccess>;
  /** The AWS role of each environment that has one (the worker assumes it for the deploy step). */
  awsRoles: Record<string, AwsRole>;
  /** Where the worker reaches GitHub. */
  github: { apiUrl: string };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
  // A record key that fails its check arrives wrapped ("Invalid key in record"): the key's own rule says why.
  const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  return `${where}: ${message}`;
}

/** An environment's windows: the top-level freezes and its own, its own deploy windows or else the top-level ones. */
function calendarOf(
  top: { freeze?: TimeWindow[]; deployWindows?: TimeWindow[] },
  own: { freeze?: TimeWindow[]; deployWindows?: TimeWindow[] },
): EnvironmentCalendar | undefined {
  const freeze = [...(top.freeze ?? []), ...(own.freeze ?? [])];
  const allow = own.deployWindows ?? top.deployWindows ?? [];
  return freeze.length > 0 || allow.length > 0 ? { freeze, deployWindows: allow } : undefined;
}

/**
 * Validates a parsed config document; throws ConfigError naming the first bad field. `now`: when an environment
 * must open again by (within the calendar's horizon), so that windows which never let it open are refused.
 */
export function parseConfig(document: unknown, source = 'config', now = Date.now()): DeployConfig {
  const result = configSchema.safeParse(document);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new ConfigError(`${source}: ${first ? describeIssue(first) : 'invalid'}`);
  }
  const environments: Record<string, EnvironmentSettings> = {};
  const access: Record<string, EnvironmentAccess> = {};
  const awsRoles: Record<string, AwsRole> = {};
  for (const [name, env] of Object.entries(result.data.environments)) {
    if (env.aws) {
      const { sessionDuration, ...role } = env.aws;
      awsRoles[name] = { ...role, sessionDurationMs: sessionDuration };
    }
    if (env.access) {
      const { identity, allow, matchCommit, operators } = env.access;
      // (Without issuers nothing can be verified: only operators known by name, and requests as they come.)
      const needsIssuers =
        identity === 'required' ||
        allow !== undefined ||
        (operators !== undefined && operators.identity !== 'optional');
      if (result.data.identity === undefined && needsIssuers) {
        throw new ConfigError(
          `${source}: environments.${name}.access: needs the issuers it trusts, in the top-level identity block ` +
            '(without them, only operators with "identity": "optional" may be listed)',
        );
      }
      access[name] = { identity, matchCommit, ...present({ allow, operators }) };
    }
    const channel = env.slack?.channel ?? result.data.slack.channel;
    // A cdk environment always watches its stack: the defaults apply when the block is left out.
    const stackConfig = env.cloudformation ?? (env.deploy.type === 'cdk' ? cloudformation.parse({}) : undefined);
    const calendar = calendarOf(result.data, env);
    if (calendar && opensAt(calendar, undefined, now) === undefined) {
      throw new ConfigError(
        `${source}: environments.${name}: never opens within ${HORIZON_MS / 86_400_000} days: its freeze windows ` +
          'cover all of its deploy windows, or a window never ends',
      );
    }
    for (const from of env.promotion?.from ?? []) {
      if (from === name) throw new ConfigError(`${source}: environments.${name}.promotion.from: cannot be itself`);
      if (!(from in result.data.environments)) {
        const known = Object.keys(result.data.environments).join(', ');
        throw new ConfigError(
          `${source}: environments.${name}.promotion.from: unknown environment ${quoted(from)} (the config has ${known})`,
        );
      }
    }
    if (env.promotion?.maxAge !== undefined && env.promotion.maxAge <= (env.promotion.soak ?? 0)) {
      throw new ConfigError(`${source}: environments.${name}.promotion.maxAge: must be longer than soak`);
    }
    const github = env.github ?? githubEnvironment.parse({});
    environments[name] = {
      environment: name,
      ...present({ slackChannel: channel }),
      notifyTimeoutMs: result.data.slack.notifyTimeout,
      stackName: env.stackName,
      lockWaitTimeoutMs: env.lockWaitTimeout,
      expectedDurationMs: env.expectedDuration,
      queueMode: env.queueMode,
      livenessCheckIntervalMs: env.livenessCheckInterval,
      idleLockTimeoutMs: env.idleLockTimeout,
      deployTimeoutMs: env.deployTimeout,
      runnerHeartbeatTimeoutMs: env.runnerHeartbeatTimeout,
      deploy: deploySettings(env.deploy),
      ...present({ calendar }),
      ...(env.allowFreezeOverride ? { allowFreezeOverride: true } : {}),
      ...(env.promotion
        ? {
            promotion: {
              from: [...new Set(env.promotion.from)],
              soakMs: env.promotion.soak ?? 0,
              ...present({ maxAgeMs: env.promotion.maxAge }),
            },
          }
        : {}),
      ...(env.approvals
        ? {
            approvals: {
              required: env.approvals.required,
              ...present({ approvers: env.approvals.approvers }),
              allowSelf: env.approvals.allowSelf,
              expiresMs: env.approvals.expires,
            },
          }
        : {}),
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
      ...(env.bake
        ? {
            bake: {
              durationMs: env.bake.duration,
              alarms: [...new Set(env.bake.alarms)],
              onAlarm: env.bake.onAlarm,
              pollIntervalMs: env.bake.pollInterval,
            },
          }
        : {}),
      github: {
        environment: github.environment ?? name,
        transient: github.transient,
        ...present({ environmentUrlOutput: github.environmentUrlOutput }),
      },
    };
  }
  const identity = result.data.identity;
  return {
    environments,
    access,
    awsRoles,
    github: result.data.github,
    ...(identity ? { issuers: trustedIssuers(identity) } : {}),
  };
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
