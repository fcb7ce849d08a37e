import { randomBytes } from 'node:crypto';
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { formatDuration } from '../domain/durations';
import { deploymentWorkflowId, lockWorkflowId } from '../contract/names';
import { taskQueueName } from '../connection/task-queue';
import { webUiLink } from '../connection/temporal-target';
import type { deployment } from '../workflows';
import {
  type DeploymentInput,
  type DeploymentResult,
  type DeploymentState,
  FINAL_STATUSES,
  type Priority,
  queueQuery,
  stateQuery,
  cancelDeploymentSignal,
  withdrawIfWaitingSignal,
} from '../contract';
import { outcomeLine, outputLines } from '../domain/outcome';
import { queuePosition } from '../domain/queue-position';
import { resultOf } from '../domain/result';
import { EXIT, exitCodeFor } from './exit-codes';
import { checkAssembly, checkEnvironment, loadCliConfig } from './deploy-inputs';
import { checkDuration, checkName } from './inputs';
import { connectOrExit } from './connect';
import { exitCodeForInterrupt, type Interrupt, watchInterrupts } from './interruption';

export interface DeployOptions {
  env: string;
  stack?: string;
  correlationId?: string;
  ref?: string;
  assembly?: string;
  priority: Priority;
  waitTimeout?: string;
  detach?: boolean;
  json?: boolean;
  config?: string;
  /** Interrupted (SIGINT, SIGTERM), cancel the deployment even when it is running, not only while it waits. */
  cancelOnInterrupt?: boolean;
}

const FOLLOW_EVERY_MS = 1000;

/** deploy-YYYYMMDD-HHMMSS-<GITHUB_RUN_ID or random>, as the CI jobs of the bash design named them. */
export function defaultCorrelationId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `deploy-${stamp}-${process.env.GITHUB_RUN_ID ?? randomBytes(4).toString('hex')}`;
}

function ciRunUrl(): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = process.env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
}

const say = (line: string) => process.stderr.write(`${line}\n`);

export async function deployCommand(options: DeployOptions): Promise<number> {
  const config = loadCliConfig(options.config);
  checkEnvironment(config, options.env);
  if (options.stack !== undefined) checkName('stack', options.stack);
  const correlationId = checkName('correlation ID', options.correlationId ?? defaultCorrelationId());
  const waitTimeoutMs =
    options.waitTimeout === undefined ? undefined : checkDuration('--wait-timeout', options.waitTimeout);
  const assembly = checkAssembly(config, options.env, options.assembly);
  const ciRun = ciRunUrl();
  const input: DeploymentInput = {
    environment: options.env,
    correlationId,
    priority: options.priority,
    ...(options.stack === undefined ? {} : { stackName: options.stack }),
    ...(options.ref === undefined ? {} : { ref: options.ref }),
    ...(waitTimeoutMs === undefined ? {} : { waitTimeoutMs }),
    ...(ciRun === undefined ? {} : { ciRunUrl: ciRun }),
    ...(assembly === undefined ? {} : { assembly }),
  };

  // From before the request: a CI job cancelled while deployctl connects must not leave a deployment queued.
  const interrupts = watchInterrupts();
  const { client, namespace, close } = await connectOrExit();
  try {
    const early = interrupts.received();
    if (early !== undefined) {
      say(`${correlationId}: ${early} before the deployment was requested; nothing requested`);
      return exitCodeForInterrupt(early);
    }
    const workflowId = deploymentWorkflowId(options.env, correlationId);
    const stackShown = options.stack ?? config?.environments[options.env]?.stackName;
    const handle = await startOrAttach(client, workflowId, input, stackShown);
    const link = webUiLink(namespace, workflowId);
    if (options.detach) {
      const state = await waitUntilQueued(handle);
      if (options.json) process.stdout.write(`${JSON.stringify(resultOf(state))}\n`);
      else say(`${correlationId}: ${state.status}; follow it at ${link}`);
      return EXIT.ok;
    }
    const ended = await Promise.race([
      follow(client, handle, options.env).then((result) => ({ result })),
      interrupts.interrupted.then((signal) => ({ signal })),
    ]);
    if ('signal' in ended) return await interrupted(handle, ended.signal, options);
    const { result } = ended;
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      say(link);
    } else {
      const outcome = outcomeLine({ ...result, why: result.error });
      const outputs = outputLines(result.outputs).map((line) => `  ${line}\n`);
      process.stdout.write(`${correlationId} ${outcome}\n${outputs.join('')}${link}\n`);
    }
    return exitCodeFor(result.status);
  } finally {
    interrupts.stop();
    await close();
  }
}

/** How long an interrupted deployctl waits to see what its request did: CI kills it a few seconds later. */
const INTERRUPT_REPORT_MS = 3000;

/**
 * Interrupted while following: a waiting deployment is withdrawn (it ends cancelled and the queue moves on); a
 * running one runs on, since stopping a stack update half-way is an operator's call, unless --cancel-on-interrupt.
 */
async function interrupted(
  handle: WorkflowHandle<typeof deployment>,
  signal: Interrupt,
  options: DeployOptions,
): Promise<number> {
  const id = handle.workflowId.slice(`deploy/${options.env}/`.length);
  const reason = `deployctl interrupted (${signal})`;
  if (options.cancelOnInterrupt) {
    await handle.signal(cancelDeploymentSignal, { reason });
    say(`${id}: ${signal}: cancel requested (--cancel-on-interrupt)`);
  } else {
    await handle.signal(withdrawIfWaitingSignal, { reason: `${reason} while waiting for its turn` });
    const status = await settledStatus(handle);
    if (status === 'cancelled') say(`${id}: ${signal}: withdrawn from the queue`);
    else if (FINAL_STATUSES.includes(status)) say(`${id}: ${signal}: the deployment had ended ${status}`);
    else if (status === 'deploying') {
      say(`${id}: ${signal}: it holds the turn and runs on (cancel it: deployctl cancel --env ${options.env} ${id})`);
    } else say(`${id}: ${signal}: asked to withdraw it while ${status}`);
  }
  return exitCodeForInterrupt(signal);
}

/** The deployment's status once the withdrawal has had its effect, or what it is after a short wait. */
async function settledStatus(handle: WorkflowHandle<typeof deployment>): Promise<DeploymentState['status']> {
  const deadline = Date.now() + INTERRUPT_REPORT_MS;
  let status: DeploymentState['status'] = 'queued';
  while (Date.now() < deadline) {
    status = (await handle.query(stateQuery)).status;
    if (status === 'deploying' || FINAL_STATUSES.includes(status)) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return status;
}

async function startOrAttach(
  client: Client,
  workflowId: string,
  input: DeploymentInput,
  stackShown: string | undefined,
): Promise<WorkflowHandle<typeof deployment>> {
  try {
    const handle = await client.workflow.start<typeof deployment>('deployment', {
      workflowId,
      taskQueue: taskQueueName(),
      args: [input],
      // A correlation ID names one deployment forever: resubmitting it attaches, never deploys twice.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      staticSummary: `Deploy ${stackShown ?? 'the configured stack'} to ${input.environment}`,
      staticDetails: [
        `correlation ID: ${input.correlationId}`,
        `ref: ${input.ref ?? '-'}`,
        `priority: ${input.priority}`,
        ...(input.ciRunUrl ? [`CI run: ${input.ciRunUrl}`] : []),
      ].join('\n'),
    });
    say(`${input.correlationId}: requested ${workflowId}`);
    return handle;
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    say(`${input.correlationId}: already requested; attaching to ${workflowId}`);
    return client.workflow.getHandle<typeof deployment>(workflowId);
  }
}

async function waitUntilQueued(handle: WorkflowHandle<typeof deployment>): Promise<DeploymentState> {
  for (;;) {
    const state = await handle.query(stateQuery);
    if (state.status !== 'pending') return state;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Prints queue position and state changes until the deployment ends; returns its result. */
async function follow(
  client: Client,
  handle: WorkflowHandle<typeof deployment>,
  environment: string,
): Promise<DeploymentResult> {
  let done = false;
  const result = handle
    .result()
    .catch((err: unknown) => endedAbnormally(handle.workflowId, environment, err))
    .finally(() => {
      done = true;
    });
  let last = '';
  const lock = client.workflow.getHandle(lockWorkflowId(environment));
  while (!done) {
    const line = await progressLine(handle, lock).catch(() => undefined);
    if (line !== undefined && line !== last) {
      say(line);
      last = line;
    }
    await Promise.race([result.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, FOLLOW_EVERY_MS))]);
  }
  return result;
}

async function progressLine(
  handle: WorkflowHandle<typeof deployment>,
  lock: WorkflowHandle,
): Promise<string | undefined> {
  const state = await handle.query(stateQuery);
  if (FINAL_STATUSES.includes(state.status)) return undefined;
  if (state.status !== 'queued') return `${state.correlationId}: ${state.status}`;
  const view = await lock.query(queueQuery).catch(() => undefined);
  const at = view && queuePosition(view, state.workflowId);
  if (!at) return `${state.correlationId}: queued`;
  const behind = at.holderCorrelationId ? `, behind ${at.holderCorrelationId}` : '';
  return `${state.correlationId}: queued at position ${at.position} of ${at.waiting}${behind} (ETA ${formatDuration(at.etaMs)})`;
}

/** A workflow terminated or timed out from outside (the Web UI, a server timeout) never returned its result. */
function endedAbnormally(workflowId: string, environment: string, err: unknown): DeploymentResult {
  if (!(err instanceof WorkflowFailedError)) throw err;
  return {
    correlationId: workflowId.slice(`deploy/${environment}/`.length),
    workflowId,
    environment,
    stackName: null,
    status: 'failed',
    queuedMs: null,
    durationMs: null,
    error: `the deployment workflow ended without a result: ${err.cause?.message ?? err.message}`,
  };
}
