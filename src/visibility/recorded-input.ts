// What an earlier deployment was asked to do, exactly: its workflow's input, as its history recorded it. A rollback
// repeats it; a promotion takes its ref (and its assembly).
import type { Client } from '@temporalio/client';
import { type DeploymentInput, STACK_NAME } from '../contract';
import type { RecordedDeployment } from './deployments';

/** The recorded input of `deployment`, with the stack it resolved to (the environment's, when it named none). */
export async function recordedInput(client: Client, deployment: RecordedDeployment): Promise<DeploymentInput> {
  const handle = client.workflow.getHandle(deployment.workflowId, deployment.runId);
  const [history, description] = await Promise.all([handle.fetchHistory(), handle.describe()]);
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) throw new Error(`${deployment.correlationId}: its history has no recorded input`);
  const input = client.options.loadedDataConverter.payloadConverter.fromPayload<DeploymentInput>(payload);
  const stackName = description.typedSearchAttributes.get(STACK_NAME) ?? input.stackName;
  return { ...input, ...(stackName === undefined ? {} : { stackName }) };
}
