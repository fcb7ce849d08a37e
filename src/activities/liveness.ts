import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';

export interface IsDeploymentOpenInput {
  workflowId: string;
  /** The holder's run: a run reset from the Web UI is closed even though its workflow ID runs on. */
  runId?: string;
}

/** Whether a deployment workflow is still running: a closed holder can no longer release its turn. */
export function createIsDeploymentOpen(client: Client) {
  return async function isDeploymentOpen({ workflowId, runId }: IsDeploymentOpenInput): Promise<boolean> {
    try {
      const description = await client.workflow.getHandle(workflowId, runId).describe();
      return description.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  };
}
