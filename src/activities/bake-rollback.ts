// onAlarm: rollback. When an alarm ends a bake, the worker queues a rollback to the last good deployment of the
// environment (its recorded inputs, high priority), and waits until the lock has it in its queue: the failed
// deployment gives the turn back only then, so that the rollback goes before anything else that waits.
import { Context } from '@temporalio/activity';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { deploymentStart } from '../domain/deployment-start';
import { type DeploymentInput, lockWorkflowId, queueQuery } from '../contract';
import { present } from '../domain/present';
import { lastGood } from '../domain/rollback-target';
import { listDeployments } from '../visibility/deployments';
import { recordedInput } from '../visibility/recorded-input';

export interface QueueBakeRollbackInput {
  environment: string;
  /** The deployment whose bake failed. */
  failed: { correlationId: string; ref?: string };
  alarm: string;
  reason: string;
}

/** The rollback queued (its correlation ID and what it repeats), or why there is none. */
export type QueueBakeRollbackResult = { queued: string; to: string } | { none: string };

/** How long the lock may take to have the rollback in its queue. */
const QUEUED_WITHIN_MS = 30_000;

export function createQueueBakeRollback(client: Client, taskQueue: string) {
  return async function queueBakeRollback(input: QueueBakeRollbackInput): Promise<QueueBakeRollbackResult> {
    const { environment, failed } = input;
    const succeeded = await listDeployments(client, { environment, status: 'succeeded' }, 200);
    const target = lastGood(succeeded, environment, failed.ref);
    if (typeof target === 'string') return { none: target };
    const recorded = await recordedInput(client, target);
    if (recorded.runner) return { none: `${target.correlationId} ran on a CI runner: roll it back there` };
    const rollback: DeploymentInput = {
      environment,
      correlationId: `rollback-${failed.correlationId}`.slice(0, 128),
      priority: 'high',
      requestedBy: 'deployment-coordinator',
      ...present({
        ref: recorded.ref,
        stackName: recorded.stackName,
        assembly: recorded.assembly,
        github: recorded.github,
      }),
      rollback: { correlationId: target.correlationId, reason: input.reason, afterBakeAlarm: input.alarm },
    };
    const start = deploymentStart(rollback, taskQueue, rollback.stackName);
    try {
      await client.workflow.start('deployment', start);
    } catch (err) {
      // (A retry of this activity: started by the attempt before.)
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    const lock = client.workflow.getHandle(lockWorkflowId(environment));
    const deadline = Date.now() + QUEUED_WITHIN_MS;
    for (;;) {
      const view = await lock.query(queueQuery);
      const ids = [view.holder?.workflowId, ...view.waiting.map((entry) => entry.workflowId)];
      if (ids.includes(start.workflowId)) break;
      if (Date.now() > deadline) throw new Error(`${rollback.correlationId} did not reach ${environment}'s queue`);
      Context.current().heartbeat();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { queued: rollback.correlationId, to: target.correlationId };
  };
}
