// deployctl deploy: requests a deployment on the worker and follows it to its end (or, with --detach, until queued).
import { resultOf } from '../domain/result';
import {
  type DeploymentRequest,
  deploymentRequest,
  type RequestOptions,
  withRequestedDeployment,
} from '../client/deployment-request';
import { EXIT } from '../client/exit-codes';
import { follow, waitUntilQueued } from '../client/follow';
import { interruptedFollowing } from '../client/stopped-following';
import { reportOutcome } from './report';

export interface DeployOptions extends RequestOptions {
  json?: boolean;
  /** Interrupted (SIGINT, SIGTERM), cancel the deployment even when it is running, not only while it waits. */
  cancelOnInterrupt?: boolean;
}

const say = (line: string) => process.stderr.write(`${line}\n`);

export async function deployCommand(options: DeployOptions): Promise<number> {
  return requestAndFollow(deploymentRequest(options), options);
}

/** Requests the deployment (deploy, promote, rollback) and follows it to its end, or until queued with --detach. */
export async function requestAndFollow(request: DeploymentRequest, options: DeployOptions): Promise<number> {
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
    if ('signal' in ended) return await interruptedFollowing(handle, correlationId, ended.signal, options, say);
    return reportOutcome(ended.result, link, options.json);
  });
}
