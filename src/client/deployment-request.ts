// A deployment request as deployctl and the GitHub Action make it: the input checked (each problem ends with 64,
// nothing started), then the workflow started, or attached to when its correlation ID was requested before.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Client, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { taskQueueName } from '../connection/task-queue';
import { type DeploymentInput, deploymentWorkflowId, nameProblem, type Priority, type RollbackOf } from '../contract';
import type { deployment } from '../workflows';
import { webUiLink } from '../connection/temporal-target';
import { deploymentStart } from '../domain/deployment-start';
import { present } from '../domain/present';
import { whoAsks } from './actor';
import { type IdTokenSource, obtainIdToken } from './id-token';
import { connectOrExit } from './connect';
import { checkAssembly, checkDeploysOnWorker, checkEnvironment, loadCliConfig } from './deploy-inputs';
import { checkDuration, checkName, checkReason, checkTimeAhead, checkTimePassed } from './inputs';
import { usageError } from './exit-codes';
import { exitCodeForInterrupt, type InterruptWatch, watchInterrupts } from './interruption';

export interface RequestOptions {
  env: string;
  stack?: string;
  correlationId?: string;
  ref?: string;
  assembly?: string;
  priority: Priority;
  waitTimeout?: string;
  config?: string;
  /** deployctl run: the runner runs the deploy step itself. */
  runner?: boolean;
  /** Return once queued: the request stays queued through a closed environment. */
  detach?: boolean;
  /** Deploy through a closed environment (where its config allows it), for `reason`. */
  overrideFreeze?: boolean;
  reason?: string;
  /** Join the queue at this time (ISO 8601 with offset, or a duration from now). */
  at?: string;
  /** deployctl rollback: the deployment it repeats, and why. */
  rollback?: RollbackOf;
  /** --id-token-file: the CI's ID token, in a file. */
  idTokenFile?: string;
  /** --audience: the audience of the ID token asked from GitHub Actions. */
  audience?: string;
  /** --commit-time: when the commit being deployed was made (default: DEPLOY_COMMIT_TIME, or a GitHub push's). */
  commitTime?: string;
  /** --github-repository: where the deployment shows as a GitHub deployment (default: GITHUB_REPOSITORY). */
  githubRepository?: string;
}

export interface DeploymentRequest {
  input: DeploymentInput;
  workflowId: string;
  /** The stack as the config names it, for the Web UI's summary (the worker decides). */
  stackShown: string | undefined;
  /** Where the ID token comes from, obtained just before the request. */
  identity: IdTokenSource;
}

/** deploy-YYYYMMDD-HHMMSS-<GITHUB_RUN_ID or random>, as the CI jobs of the bash design named them. */
export function defaultCorrelationId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `deploy-${stamp}-${process.env.GITHUB_RUN_ID ?? randomBytes(4).toString('hex')}`;
}

/** The GitHub Actions run that asks, from the variables every run has. */
export function ciRunUrl(): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = process.env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
}

/**
 * When the commit being deployed was made: --commit-time, else DEPLOY_COMMIT_TIME, else the head commit of the GitHub
 * push that runs this job, when that is the commit deployed (the ref asked for, or none).
 */
export function commitTime(option: string | undefined, ref: string | undefined, env = process.env): string | undefined {
  if (option !== undefined) return checkTimePassed('--commit-time', option);
  if (env.DEPLOY_COMMIT_TIME) return checkTimePassed('DEPLOY_COMMIT_TIME', env.DEPLOY_COMMIT_TIME);
  if (!env.GITHUB_EVENT_PATH) return undefined;
  try {
    const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as {
      head_commit?: { id?: string; timestamp?: string };
    };
    const head = event.head_commit;
    if (!head?.timestamp || (ref !== undefined && ref !== head.id && ref !== env.GITHUB_REF)) return undefined;
    return new Date(head.timestamp).toISOString();
  } catch {
    // (Not a push, or no event file: lead time is left out.)
    return undefined;
  }
}

/**
 * The GitHub repository that asks (--github-repository, else the GitHub Actions run's) and the commit its run built:
 * the worker shows the deployment there, when it has GitHub credentials.
 */
export function githubOrigin(option: string | undefined, env = process.env): DeploymentInput['github'] {
  const repository = option ?? (env.GITHUB_REPOSITORY || undefined);
  if (repository === undefined) return undefined;
  const problem = nameProblem('GitHub repository', repository);
  if (problem !== undefined) {
    throw usageError(option === undefined ? `GITHUB_REPOSITORY: ${problem}` : `--github-repository: ${problem}`);
  }
  const sha = env.GITHUB_SHA && !nameProblem('ref', env.GITHUB_SHA) ? env.GITHUB_SHA : undefined;
  return { repository, ...present({ sha }) };
}

/** Checks the options (throwing a usage error that names the bad value) and builds the workflow's input. */
export function deploymentRequest(options: RequestOptions): DeploymentRequest {
  const config = loadCliConfig(options.config);
  checkEnvironment(config, options.env);
  if (options.stack !== undefined) checkName('stack', options.stack);
  if (options.ref !== undefined) checkName('ref', options.ref);
  const correlationId = checkName('correlation ID', options.correlationId ?? defaultCorrelationId());
  const waitTimeoutMs =
    options.waitTimeout === undefined ? undefined : checkDuration('--wait-timeout', options.waitTimeout);
  if (!options.runner) checkDeploysOnWorker(config, options.env);
  const assembly = options.runner ? undefined : checkAssembly(config, options.env, options.assembly);
  const ciRun = ciRunUrl();
  const requestedBy = whoAsks();
  if (options.reason !== undefined && !options.overrideFreeze) {
    throw usageError('--reason goes with --override-freeze (why this deploys through a closed environment)');
  }
  const overrideReason = options.overrideFreeze ? checkReason(options.reason) : undefined;
  if (overrideReason !== undefined && overrideReason.length > 200) {
    throw usageError('--reason has at most 200 characters');
  }
  const notBefore = options.at === undefined ? undefined : checkTimeAhead('--at', options.at);
  return {
    input: {
      environment: options.env,
      correlationId,
      priority: options.priority,
      ...present({
        stackName: options.stack,
        ref: options.ref,
        commitTime: commitTime(options.commitTime, options.ref),
        waitTimeoutMs,
        ciRunUrl: ciRun,
        assembly,
        runner: options.runner ? true : undefined,
        requestedBy,
        detached: options.detach ? true : undefined,
        overrideFreeze: overrideReason === undefined ? undefined : { reason: overrideReason },
        notBefore,
        rollback: options.rollback,
        github: githubOrigin(options.githubRepository),
      }),
    },
    workflowId: deploymentWorkflowId(options.env, correlationId),
    stackShown: options.stack ?? config?.environments[options.env]?.stackName,
    identity: present({ idTokenFile: options.idTokenFile, audience: options.audience }),
  };
}

/** Starts the deployment, or attaches to it when its correlation ID was requested before; `say` reports which. */
export async function startOrAttach(
  client: Client,
  { input, workflowId, stackShown }: DeploymentRequest,
  say: (line: string) => void,
): Promise<WorkflowHandle<typeof deployment>> {
  try {
    const handle = await client.workflow.start<typeof deployment>(
      'deployment',
      deploymentStart(input, taskQueueName(), stackShown),
    );
    say(`${input.correlationId}: requested ${workflowId}`);
    return handle;
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    say(`${input.correlationId}: already requested; attaching to ${workflowId}`);
    return client.workflow.getHandle<typeof deployment>(workflowId);
  }
}

/** A deployment requested (or attached to), for the command that follows it to its end. */
export interface Requested {
  client: Client;
  handle: WorkflowHandle<typeof deployment>;
  /** The deployment in the Web UI. */
  link: string;
  /** SIGINT and SIGTERM, watched from before the request. */
  interrupts: InterruptWatch;
}

/**
 * Connects, requests the deployment (or attaches to it) and hands it to `follow`, whose exit code it returns. The
 * interrupts are watched from before the request: a CI job cancelled while deployctl connects leaves nothing queued.
 */
export async function withRequestedDeployment(
  request: DeploymentRequest,
  say: (line: string) => void,
  follow: (requested: Requested) => Promise<number>,
): Promise<number> {
  const interrupts = watchInterrupts();
  const idToken = await obtainIdToken(request.identity);
  if (idToken !== undefined) request.input.idToken = idToken;
  const { client, namespace, close } = await connectOrExit();
  try {
    const early = interrupts.received();
    if (early !== undefined) {
      say(`${request.input.correlationId}: ${early} before the deployment was requested; nothing requested`);
      return exitCodeForInterrupt(early);
    }
    const handle = await startOrAttach(client, request, say);
    return await follow({ client, handle, link: webUiLink(namespace, request.workflowId), interrupts });
  } finally {
    interrupts.stop();
    await close();
  }
}
