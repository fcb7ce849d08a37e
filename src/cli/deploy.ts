import type { WorkflowHandle } from '@temporalio/client';
import {
  cancelDeploymentSignal,
  type DeploymentState,
  FINAL_STATUSES,
  stateQuery,
  withdrawIfWaitingSignal,
} from '../contract';
import { resultOf } from '../domain/result';
import type { deployment } from '../workflows';
import { deploymentRequest, type RequestOptions, withRequestedDeployment } from './deployment-request';
import { EXIT } from './exit-codes';
import { follow, waitUntilQueued } from './follow';
import { exitCodeForInterrupt, type Interrupt } from './interruption';
import { reportOutcome } from './report';

export interface DeployOptions extends RequestOptions {
  detach?: boolean;
  json?: boolean;
  /** Interrupted (SIGINT, SIGTERM), cancel the deployment even when it is running, not only while it waits. */
  cancelOnInterrupt?: boolean;
}

const say = (line: string) => process.stderr.write(`${line}\n`);

export async function deployCommand(options: DeployOptions): Promise<number> {
  const request = deploymentRequest(options);
  const { correlationId } = request.input;

  return withRequestedDeployment(request, say, async ({ client, handle, link, interrupts }) => {
    if (options.detach) {
      const state = await waitUntilQueued(handle);
      if (options.json) process.stdout.write(`${JSON.stringify(resultOf(state))}\n`);
      else say(`${correlationId}: ${state.status}; follow it at ${link}`);
      return EXIT.ok;
    }
    const ended = await Promise.race([
      follow(client, handle, options.env, say).then(({ result }) => ({ result })),
      interrupts.interrupted.then((signal) => ({ signal })),
    ]);
    if ('signal' in ended) return await interruptedFollowing(handle, correlationId, ended.signal, options);
    return reportOutcome(ended.result, link, options.json);
  });
}

/** How long an interrupted deployctl waits to see what its request did: CI kills it a few seconds later. */
const INTERRUPT_REPORT_MS = 3000;

/**
 * Interrupted while following: a waiting deployment is withdrawn (it ends cancelled and the queue moves on); a
 * running one runs on, since stopping a stack update half-way is an operator's call, unless --cancel-on-interrupt.
 */
export async function interruptedFollowing(
  handle: WorkflowHandle<typeof deployment>,
  id: string,
  signal: Interrupt,
  options: DeployOptions,
): Promise<number> {
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
