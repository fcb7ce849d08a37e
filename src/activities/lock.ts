import type { Client } from '@temporalio/client';
import { lockWorkflowId } from '../contract/names';
import { DEPLOYMENT_ENVIRONMENT, requestTurnSignal, type TurnRequest } from '../contract';

export interface RequestTurnInput {
  environment: string;
  request: TurnRequest;
}

/** Queues a deployment at its environment's lock, starting the lock workflow if it is not running. */
export function createRequestTurn(client: Client, taskQueue: string) {
  return async function requestTurn({ environment, request }: RequestTurnInput): Promise<void> {
    await client.workflow.signalWithStart('environmentLock', {
      workflowId: lockWorkflowId(environment),
      taskQueue,
      args: [{ environment }],
      signal: requestTurnSignal,
      signalArgs: [request],
      typedSearchAttributes: [{ key: DEPLOYMENT_ENVIRONMENT, value: environment }],
      staticSummary: `Deployment queue of environment ${environment}`,
    });
  };
}
