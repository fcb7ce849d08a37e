// The task queue the coordinator's workers poll and deployctl starts deployments on: one setting for both sides.

export const DEFAULT_TASK_QUEUE = 'deployments';

/** DEPLOY_TASK_QUEUE, else `deployments`: workers and callers of a namespace must agree on it. */
export function taskQueueName(): string {
  return process.env.DEPLOY_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
}
