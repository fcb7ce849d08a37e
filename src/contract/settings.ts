import type { EnvironmentCalendar } from './calendar';
import type { ApprovalRule, PromotionRule } from './governance';

// Types of an environment's resolved settings. Workflows receive these from an activity and keep them in history,
// so this file holds types and defaults only: no config reads happen in workflow code.

/** How long a runner-side deploy's runner may be silent when its environment does not say (`60s` in the config). */
export const DEFAULT_RUNNER_HEARTBEAT_TIMEOUT_MS = 60_000;

export type QueueMode = 'queue' | 'supersede';

export interface CommandDeploySettings {
  type: 'command';
  /** argv, run without a shell. */
  command: string[];
  cwd?: string;
  /** How long a cancelled command gets between SIGTERM and SIGKILL. */
  killGracePeriodMs: number;
  /** A worker silent for this long is taken as lost, and the deploy step fails. */
  heartbeatTimeoutMs: number;
}

/** Deploys a cloud assembly CI synthesized: the change set is prepared by the CDK CLI, then executed once. */
export interface CdkDeploySettings {
  type: 'cdk';
  /** How long a cancelled `cdk deploy` (prepare) gets between SIGTERM and SIGKILL. */
  killGracePeriodMs: number;
  heartbeatTimeoutMs: number;
}

/** The deploy step runs on the CI runner that asked (`deployctl run`); `deployctl deploy` is refused. */
export interface RunnerDeploySettings {
  type: 'runner';
}

export type DeploySettings = CommandDeploySettings | CdkDeploySettings | RunnerDeploySettings;

/** Where the environment's stack lives, and how it is watched. */
export interface CloudFormationSettings {
  region?: string;
  endpoint?: string;
  pollIntervalMs: number;
  stallThresholdMs: number;
  stallAction: 'notify' | 'cancel';
  stallCancelAfterMs: number;
  continueUpdateRollback: boolean;
}

/**
 * A bake: after its deploy step succeeds, a deployment keeps the environment's turn for `durationMs`, watching these
 * CloudWatch alarms; one in ALARM ends it `failed` (BakeAlarm) and freezes the environment. An alarm already in ALARM
 * when its turn comes holds it back.
 */
export interface BakeSettings {
  durationMs: number;
  /** CloudWatch alarm ARNs (arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME). */
  alarms: string[];
  onAlarm: 'freeze' | 'rollback';
  /** How often the alarms are read. */
  pollIntervalMs: number;
}

/** How an environment's deployments show on GitHub; present only where the worker has GitHub credentials. */
export interface GitHubSettings {
  /** The GitHub environment's name (default: the environment's own). */
  environment: string;
  /** GitHub's transient_environment: an environment that goes away (a preview). */
  transient: boolean;
  /** The stack output whose value is the deployment's environment_url. */
  environmentUrlOutput?: string;
}

export interface EnvironmentSettings {
  environment: string;
  /** Slack channel (name or ID) for this environment's deployments; undefined when none is configured. */
  slackChannel?: string;
  /** The longest one notification may hold anything back, retries included. */
  notifyTimeoutMs: number;
  /** Where notices go, as the worker knows it: Slack (a token and a channel), or only the worker log. */
  notifyTo?: 'slack' | 'log';
  stackName: string;
  lockWaitTimeoutMs: number;
  expectedDurationMs: number;
  queueMode: QueueMode;
  livenessCheckIntervalMs: number;
  /**
   * How long the environment's lock stays running idle before it ends (a new request starts it again); absent from
   * settings resolved before 1.8.
   */
  idleLockTimeoutMs?: number;
  deployTimeoutMs: number;
  /** Runner-side deploys (`deployctl run`): a runner silent for this long is taken as lost and the turn goes on. */
  runnerHeartbeatTimeoutMs: number;
  deploy: DeploySettings;
  /** When the environment may change (freeze and deploy windows); absent: always, unless frozen by hand. */
  calendar?: EnvironmentCalendar;
  /** Requests may deploy through a closed environment with a reason (deployctl deploy --override-freeze). */
  allowFreezeOverride?: boolean;
  /** Only refs that succeeded upstream (and soaked there) deploy here. */
  promotion?: PromotionRule;
  /** Deployments wait for approvals before their turn. */
  approvals?: ApprovalRule;
  /** When set, the stack is checked before, watched during and made stable after each deployment. */
  cloudformation?: CloudFormationSettings;
  /** Deployments keep the turn after their deploy step, watching CloudWatch alarms. */
  bake?: BakeSettings;
  /** Deployments asked from a GitHub repository show there (the worker sets it when it has GitHub credentials). */
  github?: GitHubSettings;
}
