// The ApplicationFailure types the coordinator raises. The Web UI shows them beside each failure; a failed
// deployment's result carries its type as `errorType` (deployctl --json), and the notifier logs a Slack failure's.
// A type exists only where it tells an operator, or a CI script, what to fix and where.

export const FAILURE = {
  /** The deployment names an environment the worker's config does not have. Fix: the config or the request. */
  unknownEnvironment: 'UnknownEnvironment',
  /** The request is invalid or does not fit its environment (a cdk environment without an assembly, or the reverse). */
  badRequest: 'BadRequest',
  /** The assembly is not a cloud assembly, or lacks the environment's stack. Fix: what CI hands over. */
  badAssembly: 'BadAssembly',
  /** The deploy command cannot be started (empty, missing, not executable). Fix: the config or the worker image. */
  deployCommandNotRunnable: 'DeployCommandNotRunnable',
  /**
   * The worker could not assume the environment's AWS role for the deploy step (its trust policy, the worker's own
   * credentials, STS out of reach). Nothing ran. Fix: the role's trust policy or the worker's credentials.
   */
  awsRoleRefused: 'AwsRoleRefused',
  /** The deploy command or `cdk deploy` ended unsuccessfully; details carry its exit code and signal. */
  deployCommandFailed: 'DeployCommandFailed',
  /** The deploy step was stopped because its deployment was cancelled or revoked (the outcome says which). */
  deployStepStopped: 'DeployStepStopped',
  /** The worker running the deploy step was lost (its heartbeat stopped); its command was stopped with it. */
  workerLost: 'WorkerLost',
  /**
   * The worker running the deploy step was stopped before the step ended: a second SIGTERM, or its drain's grace
   * period (DEPLOY_SHUTDOWN_GRACE) ran out. Its command was stopped with it.
   */
  workerStopped: 'WorkerStopped',
  /** A step safe to repeat stopped because its worker drains: retried by another worker (not a deployment's end). */
  workerDraining: 'WorkerDraining',
  /** The runner running a deployment's command (deployctl run) stopped heartbeating: its machine or job is gone. */
  runnerLost: 'RunnerLost',
  /** The deploy step ran longer than the environment's deployTimeout. */
  deployTimedOut: 'DeployTimedOut',
  /** A change set could not be prepared, executed or deleted (CloudFormation said why). */
  changeSetFailed: 'ChangeSetFailed',
  /** The stack ended failed or rolled back, or stalled and was cancelled. */
  stackFailed: 'StackFailed',
  /** The stack was busy with a change from outside for longer than the deployment could wait. */
  stackBusy: 'StackBusy',
  /** The stack is UPDATE_ROLLBACK_FAILED: an operator must act first. */
  stackNeedsOperator: 'StackNeedsOperator',
  /** Slack refused a request for a reason retrying cannot fix (auth, scopes, channel). */
  slackRejected: 'SlackRejected',
  /**
   * GitHub refused a deployment or its status for a reason retrying cannot fix: the credentials, the App's
   * permissions (deployments: write) or installation, an unknown repository or ref. Fix: the worker's GitHub set-up.
   */
  githubRejected: 'GitHubRejected',
  /**
   * A CloudWatch alarm of the environment's bake went to ALARM after the deploy step: the deployment failed and the
   * environment was frozen. Fix: what the alarm says; then unfreeze.
   */
  bakeAlarm: 'BakeAlarm',
  /** An alarm the environment's bake names does not exist in CloudWatch. Fix: the config's bake.alarms. */
  alarmNotFound: 'AlarmNotFound',
  /** GitHub did not answer, failed (5xx) or rate limited the request: retried within the notify timeout. */
  githubUnavailable: 'GitHubUnavailable',
  /** The environment is closed (frozen, or outside its deploy windows) and opens too late, or overrides are off. */
  environmentClosed: 'EnvironmentClosed',
  /**
   * Promotion: the ref has not succeeded in each upstream environment long enough ago (its soak), recently enough
   * (maxAge), or failed there since. Fix: deploy it upstream first, or wait.
   */
  notPromoted: 'NotPromoted',
  /** An approval or rejection the deployment refused (self-approval, an unlisted approver, ended): nothing recorded. */
  approvalRefused: 'ApprovalRefused',
  /**
   * Access: the request's ID token failed a check (signature, issuer, audience, expiry, replay), or no rule of its
   * environment allows its claims. Nothing started. Fix: the CI's token set-up or the environment's access rules.
   */
  accessDenied: 'AccessDenied',
  /**
   * An operator's update came while the deployment was running a step in the worker (a local activity, which takes
   * milliseconds): turned away unrecorded, and sent again by deployctl.
   */
  busy: 'Busy',
  /** Slack could not be reached, or rate limited us: retried. */
  slackUnavailable: 'SlackUnavailable',
} as const;

export type FailureType = (typeof FAILURE)[keyof typeof FAILURE];

/**
 * How a deployment workflow closes, so that the Web UI's status column and its filters tell its outcome: a
 * succeeded deployment (and a superseded request) completes with its result; otherwise the workflow fails with one
 * of these types, non-retryable, its details carrying the same result. A deployment cancelled through Temporal's own
 * cancel (the Web UI, `temporal workflow cancel`, `deployctl cancel`) ends Canceled instead.
 */
export const CLOSE_FAILURE = {
  /** The deployment failed: the result's `errorType` says how (one of FAILURE). */
  failed: 'DeploymentFailed',
  /** It gave up waiting for its environment (its wait timeout). */
  'timed-out': 'LockWaitTimeout',
  /** Cancelled by a signal alone: withdrawn by an interrupted deployctl or CI job. */
  cancelled: 'Cancelled',
  /** Force-released while it held its environment. */
  revoked: 'Revoked',
  /** Refused by its environment's rules before it ran (closed until its wait timeout ends, not promoted, no access). */
  refused: 'Refused',
  /** Rejected by an approver (deployctl reject). */
  rejected: 'Rejected',
} as const;

/**
 * How a query that a worker refused begins, when answering it would have run the workflow on events outside a
 * workflow task (src/workflows/workflow-task-guard.ts): asked again, it is answered once the workflow's next task has
 * run, normally within seconds.
 */
export const REFUSED_OUTSIDE_WORKFLOW_TASK = 'refused to apply history events';
