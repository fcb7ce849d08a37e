// The options that start a deployment workflow, for deployctl, the action and the worker (a rollback after a bake
// alarm): one set, so that each shows alike in the Web UI and in `deployctl history`. Pure: data for the client.
import type { WorkflowStartOptions } from '@temporalio/client';
import { type DeploymentInput, type DeploymentMemo, deploymentWorkflowId } from '../contract';
import { present } from './present';

/** The options that start `input` as a deployment on `taskQueue`; `stackShown` is the stack its summary names. */
export function deploymentStart(input: DeploymentInput, taskQueue: string, stackShown: string | undefined) {
  return {
    workflowId: deploymentWorkflowId(input.environment, input.correlationId),
    taskQueue,
    args: [input] as [DeploymentInput],
    // A correlation ID names one deployment forever: resubmitting it attaches, never deploys twice.
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    workflowIdConflictPolicy: 'FAIL',
    staticSummary: `${input.rollback ? 'Roll back' : 'Deploy'} ${stackShown ?? 'the configured stack'} to ${input.environment}`,
    staticDetails: [
      `correlation ID: ${input.correlationId}`,
      `ref: ${input.ref ?? '-'}`,
      `priority: ${input.priority}`,
      ...(input.requestedBy ? [`requested by: ${input.requestedBy}`] : []),
      ...(input.ciRunUrl ? [`CI run: ${input.ciRunUrl}`] : []),
      ...(input.rollback ? [`rollback to ${input.rollback.correlationId}: ${input.rollback.reason}`] : []),
    ].join('\n'),
    // For `deployctl history` while it runs (the workflow adds its result when it ends).
    memo: present({
      ref: input.ref,
      commitTime: input.commitTime,
      requestedBy: input.requestedBy,
      ciRunUrl: input.ciRunUrl,
      assembly: input.assembly,
      rollback: input.rollback,
    }) satisfies DeploymentMemo,
  } satisfies WorkflowStartOptions & { args: [DeploymentInput] };
}
